"""`reviewer store dock`: camera files reach the store, survive cuts and kills of either side, and are never
deleted before the store confirms their SHA-256. Real server processes (embedded, and PostgreSQL + SeaweedFS),
a fault-injecting proxy between dock and store, and the dock both in-process and as the CLI process."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from reviewer.store.dock import Dock
from reviewer.store.dock_client import DockError, StoreClient, StoreUnreachable
from tests.store import services
from tests.store.faultproxy import FaultProxy

MiB = 1024 * 1024
HEADERS_SLACK = 64 * 1024  # request lines and headers of a few dozen small requests
WAIT = 60.0
REPO = Path(__file__).resolve().parents[2]
SIDECAR = {"officer_id": "PC 4512", "device_id": "BWV-00731", "start_time": "2024-05-01T14:03:22.433Z",
           "incident_ref": "INC-2024-0501-17"}


def wait_for(cond, what: str, timeout: float = WAIT, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the dock exited ({proc.returncode}) while waiting for {what}\n"
                                 + (log.read_text(errors="replace")[-3000:] if log else ""))
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                         + ("\n" + log.read_text(errors="replace")[-3000:] if log and log.exists() else ""))


def camera_file(folder: Path, name: str, size: int, sidecar: dict | None = None) -> tuple[bytes, str]:
    folder.mkdir(parents=True, exist_ok=True)
    if sidecar is not None:
        (folder / (name + ".json")).write_text(json.dumps(sidecar))
    data = os.urandom(size)
    (folder / name).write_bytes(data)
    return data, hashlib.sha256(data).hexdigest()


def blob_held(url: str, sha: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{url}/api/v1/blobs/{sha}", headers=services.auth(url), timeout=10).status_code == 200
    return False


def state_of(watch: Path) -> dict:
    with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
        return json.loads((watch / ".dock" / "state.json").read_text())["files"]
    return {}


def acked(watch: Path, name: str) -> int:
    return state_of(watch).get(name, {}).get("acked", 0)


@contextlib.contextmanager
def dock_process(watch: Path, server: str, *extra: str):
    """The CLI as the docking station runs it; killed with SIGKILL at the end unless it already exited."""
    log = watch.parent / f"dock-{time.monotonic_ns()}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "REVIEWER_HOME": str(watch.parent / "home")}
    cmd = [sys.executable, "-m", "reviewer", "store", "dock", str(watch), "--server", server, "--poll", "0.1",
           "--chunk-size", "1M", *extra]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    proc.log = log
    try:
        yield proc
    finally:
        kill9(proc)


def kill9(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


@contextlib.contextmanager
def dock_thread(dock: Dock):
    stop = threading.Event()
    t = threading.Thread(target=dock.run, args=(stop,), kwargs={"poll_interval": 0.1, "max_backoff": 0.5},
                         daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(WAIT)
        dock.close()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.fixture(params=["embedded", "production"])
def own_store_config(request, tmp_path):
    """A store configuration for a server this test may kill and restart (same database and blobs)."""
    if request.param == "embedded":
        return services.write_store_config(tmp_path / "srv")
    return services.write_store_config(tmp_path / "srv", database_url=request.getfixturevalue("pg_database"),
                                       s3=request.getfixturevalue("s3_settings"))


def test_a_landed_file_is_uploaded_with_its_sidecar_confirmed_and_kept(store, store_blobs, tmp_path):
    watch = tmp_path / "camera"
    data, sha = camera_file(watch, "BWV-00731_0001.mp4", 3 * MiB + 4321, SIDECAR)
    code = services.add_user(store.config, "dock-" + os.urandom(4).hex(), "dock")  # signs in as the station would
    with dock_process(watch, store.url, "--settle", "0.5", "--enrol", code) as dock:
        wait_for(lambda: state_of(watch).get("BWV-00731_0001.mp4", {}).get("state") == "confirmed",
                 "the store's confirmation", proc=dock, log=dock.log)
        assert store_blobs.read_bytes(sha) == data
        assert (watch / "BWV-00731_0001.mp4").read_bytes() == data  # kept: --delete-confirmed was not given
        assert (watch / "BWV-00731_0001.mp4.json").exists()
        entry = state_of(watch)["BWV-00731_0001.mp4"]
        assert entry["sha256"] == sha and entry["size"] == len(data)
        wait_for(lambda: "kept in the camera folder" in dock.log.read_text(), "the dock's log line")
    created = [ln for ln in dock.log.read_text().splitlines() if ln.startswith("dock: created: ")]
    assert len(created) == 1, dock.log.read_text()
    location = created[0].rsplit(" ", 1)[1]
    head = httpx.head(store.url + location, headers={"Tus-Resumable": "1.0.0", **store.auth}, timeout=30)
    meta = dict(p.strip().split(" ", 1) for p in head.headers["upload-metadata"].split(","))
    decoded = {k: base64.b64decode(v).decode() for k, v in meta.items()}
    assert decoded["sha256"] == sha and decoded["filename"] == "BWV-00731_0001.mp4"
    assert json.loads(decoded["sidecar"]) == SIDECAR


def test_a_cut_mid_upload_resumes_and_sends_at_most_one_chunk_again(store, store_blobs, tmp_path):
    watch = tmp_path / "camera"
    size = 6 * MiB
    data, sha = camera_file(watch, "cam_cut.mp4", size)
    events = []
    with FaultProxy(port_of(store.url)) as proxy:
        proxy.cut_after(2 * MiB + MiB // 2)  # in the middle of the third chunk
        dock = Dock(watch, StoreClient(proxy.url, token=store.token), settle=0.2, chunk_size=MiB,
                    on_event=events.append)
        with dock_thread(dock):
            wait_for(lambda: state_of(watch).get("cam_cut.mp4", {}).get("state") == "confirmed", "confirmation")
        assert proxy.cuts == 1
        assert any(e.kind == "offline" for e in events), [e.message for e in events]
        assert proxy.up_bytes <= size + MiB + HEADERS_SLACK, proxy.up_bytes
    assert store_blobs.read_bytes(sha) == data


def test_a_stopped_or_killed_dock_restarts_without_sending_acknowledged_bytes_again(store, store_blobs, tmp_path):
    watch = tmp_path / "camera"
    size = 12 * MiB
    data, sha = camera_file(watch, "cam_kill.mp4", size)
    with FaultProxy(port_of(store.url)) as proxy:
        proxy.throttle(4 * MiB)  # slow enough to stop the dock mid-file on any machine
        code = services.add_user(store.config, "dock-" + os.urandom(4).hex(), "dock")
        with dock_process(watch, proxy.url, "--settle", "0.2", "--enrol", code) as polite:
            wait_for(lambda: acked(watch, "cam_kill.mp4") >= 2 * MiB, "2 MiB acknowledged", proc=polite,
                     log=polite.log)
            polite.send_signal(signal.SIGTERM)  # the station shutting down: it stops between two chunks
            assert polite.wait(WAIT) == 0, polite.log.read_text()
        assert state_of(watch)["cam_kill.mp4"]["state"] == "uploading"
        with dock_process(watch, proxy.url, "--settle", "0.2") as first:
            wait_for(lambda: acked(watch, "cam_kill.mp4") >= 5 * MiB, "5 MiB acknowledged", proc=first,
                     log=first.log)
            kill9(first)
        wait_for(lambda: proxy.open_connections() == 0, "the killed dock's connection to close")
        location = state_of(watch)["cam_kill.mp4"]["upload"]
        held = int(httpx.head(store.url + location, headers={"Tus-Resumable": "1.0.0", **store.auth},
                              timeout=30).headers["upload-offset"])
        assert held >= acked(watch, "cam_kill.mp4") >= 5 * MiB
        proxy.passing()
        proxy.reset_counts()
        with dock_process(watch, proxy.url, "--settle", "0.2") as second:
            wait_for(lambda: state_of(watch).get("cam_kill.mp4", {}).get("state") == "confirmed",
                     "confirmation after the restart", proc=second, log=second.log)
        assert proxy.up_bytes <= size - held + HEADERS_SLACK, (proxy.up_bytes, size - held)
    assert store_blobs.read_bytes(sha) == data


def test_a_server_killed_mid_upload_loses_nothing_it_acknowledged(own_store_config, tmp_path):
    watch = tmp_path / "camera"
    size = 12 * MiB
    data, sha = camera_file(watch, "cam_srv.mp4", size)
    with services.store_server(own_store_config) as first, FaultProxy(port_of(first.url)) as proxy:
        proxy.throttle(4 * MiB)
        dock = Dock(watch, StoreClient(proxy.url, token=first.token), settle=0.2, chunk_size=MiB)
        with dock_thread(dock):
            wait_for(lambda: dock.state.files.get("cam_srv.mp4") is not None
                     and dock.state.files["cam_srv.mp4"].acked >= 4 * MiB, "4 MiB acknowledged")
            proxy.drop()  # the dock meets a dead store until the new one is up
            os.killpg(first.proc.pid, signal.SIGKILL)
            first.proc.wait(30)
            proxy.cut_all()
            entry = dock.state.files["cam_srv.mp4"]
            acknowledged, location = entry.acked, entry.upload
            with services.store_server(own_store_config) as second:
                held = int(httpx.head(second.url + location, headers={"Tus-Resumable": "1.0.0", **second.auth},
                                      timeout=30).headers["upload-offset"])
                assert held >= acknowledged
                proxy.set_upstream(port_of(second.url))
                proxy.passing()
                wait_for(lambda: blob_held(second.url, sha) and dock.state.files["cam_srv.mp4"].state == "confirmed",
                         "confirmation by the restarted store")
                info = httpx.get(f"{second.url}/api/v1/blobs/{sha}", headers=second.auth, timeout=30)
                assert info.json()["size"] == size
    assert (watch / "cam_srv.mp4").read_bytes() == data


def test_nothing_is_deleted_before_the_store_confirms(tmp_path):
    config = services.write_store_config(tmp_path / "srv")
    watch = tmp_path / "camera"
    data, sha = camera_file(watch, "cam_del.mp4", 3 * MiB, SIDECAR)
    with services.store_server(config) as first, FaultProxy(port_of(first.url)) as proxy:
        def kill_store_once_sent(event):
            if event.kind == "sent":  # every byte acknowledged, the confirming GET not yet made
                os.killpg(first.proc.pid, signal.SIGKILL)
                first.proc.wait(30)

        dock = Dock(watch, StoreClient(proxy.url, token=first.token), settle=0, chunk_size=MiB, delete_confirmed=True,
                    on_event=kill_store_once_sent)
        try:
            with pytest.raises(StoreUnreachable):
                dock.poll()
            assert (watch / "cam_del.mp4").read_bytes() == data
            assert (watch / "cam_del.mp4.json").exists()
            assert dock.state.files["cam_del.mp4"].acked == 3 * MiB
            assert dock.state.files["cam_del.mp4"].state != "confirmed"
            dock.on_event = lambda e: None
            with services.store_server(config) as second:
                proxy.set_upstream(port_of(second.url))
                proxy.reset_counts()
                dock.poll()
                assert blob_held(second.url, sha)
                assert proxy.up_bytes < HEADERS_SLACK  # confirmed, not uploaded again
        finally:
            dock.close()
    assert not (watch / "cam_del.mp4").exists()
    assert not (watch / "cam_del.mp4.json").exists()  # the sidecar that was sent goes with it
    assert "cam_del.mp4" not in state_of(watch)


def test_a_file_still_being_written_is_not_uploaded_early(store, store_blobs, tmp_path):
    watch = tmp_path / "camera"
    watch.mkdir()
    path = watch / "cam_growing.mp4"
    pieces = [os.urandom(256 * 1024) for _ in range(12)]
    events = []
    finished = threading.Event()

    def record(event):
        events.append((event, finished.is_set()))

    dock = Dock(watch, StoreClient(store.url, token=store.token), settle=2.0, chunk_size=MiB, on_event=record)
    with dock_thread(dock):
        with open(path, "wb") as fh:  # a camera writing in bursts, each well within the settle time
            for piece in pieces:
                fh.write(piece)
                fh.flush()
                time.sleep(0.2)
        finished.set()
        full = b"".join(pieces)
        sha = hashlib.sha256(full).hexdigest()
        wait_for(lambda: any(e.kind == "confirmed" for e, _ in events), "confirmation")
    early = [e.message for e, after in events if not after]
    assert early == []
    assert [e.entry.sha256 for e, _ in events if e.kind == "confirmed"] == [sha]
    assert store_blobs.read_bytes(sha) == full


def test_with_done_markers_a_file_waits_for_its_marker(store, tmp_path):
    watch = tmp_path / "camera"
    data, sha = camera_file(watch, "cam_marker.mp4", MiB)
    dock = Dock(watch, StoreClient(store.url, token=store.token), settle=0, done_marker=True, chunk_size=MiB)
    try:
        assert dock.poll() == 1
        assert not blob_held(store.url, sha) and state_of(watch) == {}
        (watch / "cam_marker.mp4.done").touch()
        assert dock.poll() == 0
        assert blob_held(store.url, sha)
        assert state_of(watch)["cam_marker.mp4"]["state"] == "confirmed"
    finally:
        dock.close()


def test_a_second_dock_on_the_same_folder_is_refused(tmp_path):
    watch = tmp_path / "camera"
    watch.mkdir()
    first = Dock(watch, StoreClient("http://127.0.0.1:9"))
    try:
        with pytest.raises(DockError, match=r"another dock is already watching this folder"):
            Dock(watch, StoreClient("http://127.0.0.1:9"))
    finally:
        first.close()


def test_a_state_file_claiming_confirmation_does_not_get_a_file_deleted(tmp_path):
    """The state file is writable by whoever sits at the station: deletion asks the store, not the file."""
    watch = tmp_path / "camera"
    data, sha = camera_file(watch, "cam_forged.mp4", 256 * 1024)
    st = os.stat(watch / "cam_forged.mp4")
    (watch / ".dock").mkdir()
    (watch / ".dock" / "state.json").write_text(json.dumps({"version": 1, "files": {"cam_forged.mp4": {
        "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha, "state": "confirmed"}}}))
    dock = Dock(watch, StoreClient("http://127.0.0.1:9"), settle=0, delete_confirmed=True)  # no store there
    try:
        with pytest.raises(StoreUnreachable):
            dock.poll()
    finally:
        dock.close()
    assert (watch / "cam_forged.mp4").read_bytes() == data


def test_symlinks_in_the_camera_folder_are_not_offered_as_footage(tmp_path):
    watch = tmp_path / "camera"
    watch.mkdir()
    (tmp_path / "private.txt").write_text("not camera output")
    (watch / "clip.mp4").symlink_to(tmp_path / "private.txt")
    dock = Dock(watch, StoreClient("http://127.0.0.1:9"), settle=0)  # any attempt to send would fail loudly
    try:
        assert dock.candidates() == []
        assert dock.poll() == 0
    finally:
        dock.close()
    assert state_of(watch) == {}


def test_a_camera_folder_that_goes_away_and_comes_back_is_resumed(store, store_blobs, tmp_path):
    watch, away = tmp_path / "camera", tmp_path / "unmounted"
    watch.mkdir()
    events = []
    dock = Dock(watch, StoreClient(store.url, token=store.token), settle=0, chunk_size=MiB,
                on_event=events.append)
    watch.rename(away)  # the station unmounts the camera before the dock's first look
    with dock_thread(dock):
        wait_for(lambda: any(e.kind == "error" and str(watch) in e.message for e in events), "the error line")
        away.rename(watch)
        data, sha = camera_file(watch, "cam_back.mp4", MiB)
        wait_for(lambda: any(e.kind == "confirmed" for e in events), "confirmation after the folder returned")
    assert store_blobs.read_bytes(sha) == data


def test_a_dock_the_store_does_not_know_is_refused_and_keeps_everything(store, tmp_path):
    watch = tmp_path / "camera"
    data, _sha = camera_file(watch, "cam_anon.mp4", 64 * 1024)
    events = []
    dock = Dock(watch, StoreClient(store.url), settle=0, delete_confirmed=True, on_event=events.append)
    try:
        assert dock.poll() == 1
    finally:
        dock.close()
    errors = [e.message for e in events if e.kind == "error"]
    assert len(errors) == 1 and "refused (401" in errors[0] and "--enrol" in errors[0], errors
    assert (watch / "cam_anon.mp4").read_bytes() == data


def test_the_dock_keeps_its_rotated_tokens_so_the_next_start_signs_in(store, tmp_path):
    from reviewer.store.dock_signin import store_auth

    watch = tmp_path / "camera"
    data, sha = camera_file(watch, "cam_tok.mp4", 64 * 1024)
    state = watch / ".dock"
    store_auth(store.url, state, services.add_user(store.config, "dock-" + os.urandom(4).hex(), "dock"))
    tokens = state / "tokens.json"
    assert tokens.stat().st_mode & 0o777 == 0o600

    def lapse() -> str:  # as if the dock had been off longer than an access token lives
        saved = json.loads(tokens.read_text())
        tokens.write_text(json.dumps({**saved, "expires_at": "2000-01-01T00:00:00+00:00"}))
        return saved["refresh_token"]

    spent = lapse()
    dock = Dock(watch, StoreClient(store.url, auth=store_auth(store.url, state, None)), settle=0)
    try:
        dock.poll()
    finally:
        dock.close()
    assert blob_held(store.url, sha)
    assert json.loads(tokens.read_text())["refresh_token"] != spent  # rotated, and saved at once
    lapse()
    again = StoreClient(store.url, auth=store_auth(store.url, state, None))  # the refresh token saved last works
    try:
        assert again.blob(sha).size == len(data)
    finally:
        again.close()
