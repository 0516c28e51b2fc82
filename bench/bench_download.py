"""Footage download throughput of the workstation's client (reviewer/sync/fetch.py: Range-resumable, hashed as it
arrives, written through an unbuffered file, fsync'd at the end) beside `curl` fetching the same blob from the same
store in the same run (issue 11, section 6). Target: client >= 0.8x curl.

Starts an embedded `reviewer store serve` (SQLite + files) in a temp folder, uploads a random file of --size-mb with
tus, registers it as a recording, and signs in a professional_standards user. Then, --rounds times, alternating:
- anchor: `curl -s -o FILE -H "Authorization: Bearer ..." URL` (plain GET: no hashing, no fsync);
- like-with-like anchor: `curl ... URL | tee FILE | openssl dgst -sha256` then `sync FILE` (the same work as the
  client, done by C tools in three processes: receive, write, SHA-256 with the same OpenSSL code as hashlib's,
  fsync; coreutils' sha256sum is not used: it does not use the CPU's SHA instructions and is ~5x slower);
- client: fetch() into an empty downloads folder (the partial is removed between rounds);
- for reference, the same httpx client and body reader (reviewer/sync/body.py) writing the body with no hash and
  no fsync (where the time goes).
All write to the same temp file system. The best round of each is compared (the machine is shared). The store
serves every fetch unhashed but the first (it verifies a stored version once: ADR 0008), alike for all of them.

Usage (from the repo root): .venv/bin/python bench/bench_download.py [--size-mb 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from reviewer.store.client_auth import StoreAuth, Tokens  # noqa: E402
from reviewer.sync.body import body  # noqa: E402
from reviewer.sync.fetch import fetch  # noqa: E402
from tests.store import services  # noqa: E402

MiB = 1024 * 1024


def make_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    with open(path, "wb") as fh:
        left = size
        while left:
            data = os.urandom(min(8 * MiB, left))
            fh.write(data)
            h.update(data)
            left -= len(data)
    return h.hexdigest()


def upload(store, path: Path, sha: str) -> None:
    tus = {"Tus-Resumable": "1.0.0", **store.auth}
    meta = "sha256 " + base64.b64encode(sha.encode()).decode()
    size = path.stat().st_size
    r = httpx.post(store.uploads, headers={**tus, "Upload-Length": str(size), "Upload-Metadata": meta}, timeout=60)
    r.raise_for_status()
    offset, part = 0, 64 * MiB
    with open(path, "rb") as fh:
        while offset < size:
            data = fh.read(part)
            p = httpx.patch(store.url + r.headers["Location"], content=data, timeout=600,
                            headers={**tus, "Upload-Offset": str(offset),
                                     "Content-Type": "application/offset+octet-stream"})
            p.raise_for_status()
            offset += len(data)


def signed_in(store, config: Path, role: str) -> Tokens:
    code = services.add_user(config, f"bench-{role}", role)
    return Tokens.from_json(services.enrol(store.url, code))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    curl = shutil.which("curl")
    if curl is None:
        print("curl is not installed (scripts/dev.sh lists it)", file=sys.stderr)
        return 1
    size = args.size_mb * MiB
    with tempfile.TemporaryDirectory(prefix="bwv-bench-download-") as tmp:
        root = Path(tmp)
        source = root / "source.bin"
        sha = make_file(source, size)
        config = services.write_store_config(root / "store")
        with services.store_server(config) as store:
            upload(store, source, sha)
            source.unlink()
            sup, ps = signed_in(store, config, "supervisor"), signed_in(store, config, "professional_standards")
            api = store.url + "/api/v1"
            bearer = {"Authorization": f"Bearer {sup.access_token}"}
            inc = httpx.post(f"{api}/admin/incidents", json={"reference": "BENCH-DL"}, headers=bearer, timeout=60)
            inc.raise_for_status()
            httpx.post(f"{api}/admin/recordings", headers=bearer, timeout=60, json={
                "sha256": sha, "incident_id": inc.json()["id"], "file_name": "bench.mp4"}).raise_for_status()
            url = f"{api}/recordings/{sha}/content"
            curl_s, curl_hashed_s, client_s, bare_s = [], [], [], []
            with httpx.Client(base_url=store.url, auth=StoreAuth(store.url, ps)) as client:
                for _ in range(args.rounds):
                    out = root / "curl.bin"
                    t0 = time.perf_counter()
                    subprocess.run([curl, "-s", "-f", "-o", str(out), "-H", f"Authorization: Bearer {ps.access_token}",
                                    url], check=True)
                    curl_s.append(time.perf_counter() - t0)
                    assert out.stat().st_size == size
                    out.unlink()

                    t0 = time.perf_counter()
                    piped = subprocess.run(
                        f'{curl} -s -f -H "Authorization: Bearer {ps.access_token}" {url} | tee {out} '
                        f'| openssl dgst -sha256 && sync {out}', shell=True, check=True, capture_output=True, text=True)
                    curl_hashed_s.append(time.perf_counter() - t0)
                    assert piped.stdout.split()[-1] == sha
                    out.unlink()

                    folder = root / "downloads"
                    t0 = time.perf_counter()
                    got = fetch(client, sha, folder)
                    client_s.append(time.perf_counter() - t0)
                    assert got.size == size and got.received == size
                    shutil.rmtree(folder)

                    # for reference: the same client and body reader writing the body with no hash and no fsync
                    t0 = time.perf_counter()
                    with client.stream("GET", f"/api/v1/recordings/{sha}/content") as r, \
                            open(root / "bare.bin", "wb", buffering=0) as fh:
                        for data in body(r, 60.0):
                            fh.write(data)
                    bare_s.append(time.perf_counter() - t0)
                    (root / "bare.bin").unlink()
    best_curl, best_client = min(curl_s), min(client_s)
    mb = size / MiB
    print(f"blob: {mb:.0f} MiB, embedded store on loopback, {args.rounds} rounds (best of each)")
    print(f"curl (anchor):  {mb / best_curl:8.1f} MiB/s  ({best_curl:.2f} s; rounds "
          f"{', '.join(f'{t:.2f}' for t in curl_s)})")
    best_hashed = min(curl_hashed_s)
    print(f"curl | tee | openssl sha256, sync (like with like): {mb / best_hashed:8.1f} MiB/s  ({best_hashed:.2f} s; "
          f"rounds {', '.join(f'{t:.2f}' for t in curl_hashed_s)})")
    print(f"client fetch(): {mb / best_client:8.1f} MiB/s  ({best_client:.2f} s; rounds "
          f"{', '.join(f'{t:.2f}' for t in client_s)}; hashed + fsync'd)")
    print(f"(reference) the same httpx client, body written unhashed, no fsync: {mb / min(bare_s):8.1f} MiB/s "
          f"({min(bare_s):.2f} s): the rest of the gap is the SHA-256 verification")
    ratio = best_curl / best_client
    print(f"client / curl: {ratio:.2f}x (target >= 0.8x; curl neither hashes nor fsyncs): "
          f"{'PASS' if ratio >= 0.8 else 'FAIL'}")
    print(f"client / (curl | tee | openssl sha256, sync): {best_hashed / best_client:.2f}x (the same work)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
