"""A local central store and a workstation that syncs with it, with demo users: `scripts/dev.sh sync-demo [DIR]`.

What a force's pilot looks like on one machine, made the way an administrator and a docking station would:
- the store (`reviewer store serve`, embedded: SQLite + files) on 127.0.0.1, its supervisor added on its command
  line, the other users (an investigator, a dock) through its admin API, the demo incident assigned;
- a docking station (`reviewer store dock`) uploading the demo footage with its sidecars, which registers each
  recording in the incident its sidecar names;
- a workstation library signed in as the investigator (the refresh token in the OS keyring), then the desktop
  app opened on it: the store's recordings are listed, opening one downloads it, every change is synced.

Everything lives under DIR (default: the user data folder's `sync-demo`), so a second run starts again at once
with the same users and footage. The enrolment codes of the demo users are printed, so another workstation can
sign in too (`reviewer sync login URL --code CODE`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import platformdirs

from reviewer.demo.footage import DEMO_INCIDENT, generate_demo
from reviewer.errors import ReviewerError

PORT = 8400
DEMO_SECONDS = 30.0
PEOPLE = {"demo-investigator": "investigator", "demo-ps": "professional_standards", "demo-dock": "dock"}


def _cli(*args: str, env: dict | None = None) -> str:
    p = subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    if p.returncode:
        raise ReviewerError(f"reviewer {' '.join(args[:3])}: {p.stderr.strip() or p.stdout.strip()}")
    return p.stdout


def _wait(what: str, cond, timeout: float = 120.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ReviewerError(f"{what}: the process ended (exit {proc.returncode})")
        try:
            got = cond()
        except httpx.HTTPError:
            got = None
        if got:
            return got
        time.sleep(0.3)
    raise ReviewerError(f"{what}: not within {timeout:g} s")


def start_store(root: Path, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "REVIEWER_STORE_HOME": str(root / "store")}
    (root / "store").mkdir(parents=True, exist_ok=True)
    log = open(root / "store.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "reviewer", "store", "serve", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _wait("the store to start", lambda: httpx.get(url + "/api/v1/health", timeout=2).status_code == 200,
          proc=proc)
    return proc, url


def _confirmed(root: Path) -> int:
    try:
        files = json.loads((root / "dock-state" / "state.json").read_text())["files"]
    except (OSError, ValueError, KeyError):
        return 0
    return sum(1 for f in files.values() if f.get("state") == "confirmed")


def first_run(root: Path, url: str) -> dict:
    """Users, the incident, the footage docked: done once, remembered in DIR/demo.json."""
    from reviewer.store.client_auth import enrol

    env = {"REVIEWER_STORE_HOME": str(root / "store")}
    out = _cli("store", "user", "add", "demo-supervisor", "--role", "supervisor", env=env)
    sup = enrol(url, out.strip().splitlines()[-1].rsplit(": ", 1)[1])
    api = httpx.Client(base_url=url + "/api/v1/admin", headers={"Authorization": f"Bearer {sup.access_token}"},
                       timeout=30)
    codes, ids = {}, {}
    for name, role in PEOPLE.items():
        r = api.post("/users", json={"name": name, "role": role})
        r.raise_for_status()
        codes[name], ids[name] = r.json()["enrolment_code"], r.json()["id"]
    r = api.post("/incidents", json={"reference": DEMO_INCIDENT, "title": "Demo: street stop, two officers"})
    r.raise_for_status()
    incident = r.json()["id"]
    api.put(f"/incidents/{incident}/assignments/{ids['demo-investigator']}").raise_for_status()

    print(f"rendering {DEMO_SECONDS:g} s of demo footage for two cameras...", flush=True)
    dock_dir = root / "dock"
    # filmed an hour ago: the store's retention counts 31 days from the camera's start
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1)
    videos = generate_demo(dock_dir, seconds=DEMO_SECONDS, incident_start=start)
    print("docking: uploading it to the store...", flush=True)
    dock = subprocess.Popen([sys.executable, "-m", "reviewer", "store", "dock", str(dock_dir), "--server", url,
                             "--enrol", codes.pop("demo-dock"), "--state-dir", str(root / "dock-state")],
                            stdout=open(root / "dock.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # the dock confirms a file once the store holds it, registered from its sidecar in the same transaction
        _wait("the dock to confirm the demo footage", lambda: _confirmed(root) >= len(videos), 600, dock)
    finally:
        dock.terminate()
        dock.wait(30)
    state = {"url": url, "codes": codes, "incident": incident}
    (root / "demo.json").write_text(json.dumps(state, indent=1))
    return state


def workstation(root: Path, url: str, code: str) -> Path:
    from reviewer.govern.bootstrap import initialise
    from reviewer.govern.identity import os_account
    from reviewer.library import Library
    from reviewer.sync import link

    home = root / "workstation"
    if (home / "library.sqlite3").exists():
        return home
    with Library(home, as_os_account=True) as lib:
        initialise(lib.gov, os_account())
        who = link.login(lib, url, code)
    print(f"workstation signed in: {who.get('user')} ({who.get('role')})", flush=True)
    return home


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/dev.sh sync-demo", description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?", type=Path,
                    default=Path(platformdirs.user_data_dir("bwv-reviewer")) / "sync-demo")
    ap.add_argument("--port", type=int, default=PORT)
    ap.add_argument("--no-app", action="store_true", help="set up and leave the store running; do not open the app")
    args = ap.parse_args(argv)
    root = args.dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    store, url = start_store(root, args.port)
    try:
        known = root / "demo.json"
        state = json.loads(known.read_text()) if known.exists() else first_run(root, url)
        home = workstation(root, url, state["codes"].pop("demo-investigator", ""))
        print(f"store: {url} (log {root / 'store.log'})")
        for name, code in state["codes"].items():
            print(f"another workstation can sign in as {name}: reviewer sync login {url} --code {code}")
        if args.no_app:
            print("store running; Ctrl+C stops it")
            store.wait()
            return 0
        print(f"opening the workstation (REVIEWER_HOME={home})", flush=True)
        return subprocess.call([sys.executable, "-m", "reviewer"], env={**os.environ, "REVIEWER_HOME": str(home)})
    except KeyboardInterrupt:
        return 130
    except (ReviewerError, httpx.HTTPError) as exc:
        print(f"sync demo: {exc} (store log: {root / 'store.log'})", file=sys.stderr)
        return 1
    finally:
        store.terminate()
        try:
            store.wait(30)
        except subprocess.TimeoutExpired:
            store.kill()


if __name__ == "__main__":
    sys.exit(main())
