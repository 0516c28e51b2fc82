"""Upload of one large camera file through the central store, beside a boto3 multipart upload straight to the same
SeaweedFS, in the same run (issue 10, section 6).

Starts a throwaway PostgreSQL and SeaweedFS (tests/store/services.py) and `reviewer store serve` against them, then:
- anchor: boto3 `upload_file` (multipart, boto3's default transfer settings) of the file into the same S3;
- store: the dock's own code (reviewer/store/dock.py) sends the file in --chunk-size PATCHes; timed from the upload's
  creation to the store's confirmation (the store writes S3 parts while the bytes arrive; the last PATCH writes
  the last part once the whole file's SHA-256 matched and completes the multipart upload; ADR 0008),
  with the dock's SHA-256 pass reported separately;
- the store process's peak RSS (VmHWM) and its RSS sampled while streaming.
Targets: store upload >= 0.7x the anchor, download >= 0.8x; server RSS <= 300 MB.
Download: a professional_standards user streams GET /api/v1/recordings/{sha256}/content (the blob registered as a
recording by a supervisor) beside a boto3 get of the anchor object; target >= 0.8x. RSS is sampled during both.

Usage (from the repo root): .venv/bin/python bench/bench_store_upload.py [--size-mb 2048] [--chunk 32M]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reviewer.cli_dock import size_arg  # noqa: E402
from reviewer.store.dock import Dock  # noqa: E402
from reviewer.store.dock_client import StoreClient  # noqa: E402
from tests.store import services  # noqa: E402

MiB = 1024 * 1024


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = 8 * MiB
    with open(path, "wb") as fh:
        left = size
        while left:
            data = os.urandom(min(block, left))
            fh.write(data)
            h.update(data)
            left -= len(data)
    return h.hexdigest()


def download(store, config: Path, sha: str, size: int, pid: int, samples: list) -> tuple[float, float, str]:
    """Register the uploaded blob as a recording (supervisor) and stream it back (professional_standards)."""
    import httpx

    def signed_in(role: str) -> dict:
        code = services.add_user(config, f"bench-{role}", role)
        return {"Authorization": "Bearer " + services.enrol(store.url, code)["access_token"]}

    sup, ps = signed_in("supervisor"), signed_in("professional_standards")
    api = store.url + "/api/v1"
    inc = httpx.post(f"{api}/admin/incidents", json={"reference": "BENCH-1"}, headers=sup, timeout=60)
    inc.raise_for_status()
    reg = httpx.post(f"{api}/admin/recordings", headers=sup, timeout=60,
                     json={"sha256": sha, "incident_id": inc.json()["id"], "file_name": "bench.mp4"})
    reg.raise_for_status()
    # the store's probe copies a new S3 recording once, right after registration: let it finish first, or the
    # download below races it for the same disk, network and cores
    t0 = time.monotonic()
    while httpx.get(f"{api}/recordings/{sha}/probe", headers=ps, timeout=60).json()["state"] == "pending":
        assert time.monotonic() - t0 < 900, "the store's probe did not finish"
        time.sleep(0.5)
    samples.clear()
    stop = threading.Event()

    def sample():
        while not stop.wait(0.1):
            samples.append(rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    got = 0
    t0 = time.perf_counter()
    try:
        with httpx.stream("GET", f"{api}/recordings/{sha}/content", headers=ps, timeout=600) as r:
            r.raise_for_status()
            # as the chunks arrive: httpx re-chunking into fixed sizes (iter_bytes(8 MiB)) halves its own throughput
            for chunk in r.iter_bytes():
                got += len(chunk)
            elapsed = time.perf_counter() - t0
            etag = r.headers.get("etag", "")
    finally:
        stop.set()
        sampler.join()
    assert got == size, (got, size)
    # the same request through urllib3, the HTTP client under boto3's get: like for like with the anchor, so the
    # ratio measures the store rather than the difference between two client libraries
    import urllib3

    t0 = time.perf_counter()
    r = urllib3.PoolManager().request("GET", f"{api}/recordings/{sha}/content", headers=ps, preload_content=False)
    got = 0
    while chunk := r.read(8 * MiB):
        got += len(chunk)
    like_for_like = time.perf_counter() - t0
    r.release_conn()
    assert r.status == 200 and got == size, (r.status, got, size)
    return elapsed, like_for_like, etag


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=2048, help="file size in MiB (default 2048)")
    ap.add_argument("--chunk", type=size_arg, default="32M", help="the dock's PATCH size (default 32M, as the dock)")
    ap.add_argument("--tmp", type=Path, default=None, help="scratch folder (default: system temp)")
    args = ap.parse_args()
    size = args.size_mb * MiB

    with tempfile.TemporaryDirectory(prefix="bwv-bench-store-", dir=args.tmp) as root:
        root = Path(root)
        os.chmod(root, 0o755)
        print(f"file: {args.size_mb} MiB of random bytes; dock chunk {args.chunk // MiB} MiB; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        watch = root / "camera"
        watch.mkdir()
        sha = make_file(watch / "bench.mp4", size)
        with services.postgres(root / "pgroot") as pg, services.seaweed(
                root / "weedroot", volume_size_mb=max(64, args.size_mb // 8)) as weed:
            import boto3
            from boto3.s3.transfer import TransferConfig

            from reviewer.store.blobs.s3 import S3Settings

            s3 = boto3.client("s3", endpoint_url=weed.endpoint, aws_access_key_id=weed.access_key,
                              aws_secret_access_key=weed.secret_key, region_name="us-east-1")
            s3.create_bucket(Bucket="anchor")
            t0 = time.perf_counter()
            s3.upload_file(str(watch / "bench.mp4"), "anchor", "bench.mp4", Config=TransferConfig())
            anchor_up = time.perf_counter() - t0

            settings = S3Settings(endpoint=weed.endpoint, bucket="bwv-bench", access_key=weed.access_key,
                                  secret_key=weed.secret_key, prefix="blobs/")
            config = services.write_store_config(root / "srv", database_url=pg.url, s3=settings)
            with services.store_server(config) as store:
                pid = store.proc.pid
                base_rss = rss_mb(pid)
                samples: list[float] = []
                stop = threading.Event()

                def sample():
                    while not stop.wait(0.1):
                        samples.append(rss_mb(pid))

                marks: dict[str, float] = {}
                progress: list[float] = []

                def mark(event):
                    marks.setdefault(event.kind, time.perf_counter())
                    if event.kind == "progress":
                        progress.append(time.perf_counter())

                client = StoreClient(store.url, token=store.token, timeout=600)
                dock = Dock(watch, client, settle=0, chunk_size=args.chunk, on_event=mark)
                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                t_start = time.perf_counter()
                try:
                    entry = dock.process("bench.mp4")
                finally:
                    stop.set()
                    sampler.join()
                    dock.close()
                t_end = marks.get("confirmed", time.perf_counter())
                assert entry.sha256 == sha, "the dock hashed something else"
                hash_s = marks["hashed"] - t_start
                store_up = t_end - marks["hashed"]
                # the last PATCH returns once the store has written the last part and completed the S3 object
                finish_s = progress[-1] - progress[-2] if len(progress) > 1 else float("nan")
                up_samples = list(samples)
                httpx_get, store_get, etag = download(store, config, sha, size, pid, samples)
                peak = rss_mb(pid, "VmHWM")

            t0 = time.perf_counter()
            body = s3.get_object(Bucket="anchor", Key="bench.mp4")["Body"]
            got = 0
            while chunk := body.read(8 * MiB):
                got += len(chunk)
            anchor_get = time.perf_counter() - t0
            assert got == size

    mbs = lambda s: args.size_mb / s  # noqa: E731
    ratio = anchor_up / store_up
    print(f"anchor  boto3 multipart upload to SeaweedFS : {anchor_up:7.2f} s  {mbs(anchor_up):7.1f} MiB/s")
    print(f"store   dock -> store (tus) -> SeaweedFS    : {store_up:7.2f} s  {mbs(store_up):7.1f} MiB/s  "
          f"= {ratio:.2f}x anchor (target >= 0.70)  {'PASS' if ratio >= 0.7 else 'MISS'}")
    print(f"        of which the last PATCH (last part, SHA-256 check, multipart completion): {finish_s:7.2f} s")
    print(f"        (the dock's SHA-256 pass before it  : {hash_s:7.2f} s  {mbs(hash_s):7.1f} MiB/s, not counted)")
    dratio = anchor_get / store_get
    print(f"anchor  boto3 get from SeaweedFS            : {anchor_get:7.2f} s  {mbs(anchor_get):7.1f} MiB/s")
    print(f"store   GET /recordings/{{sha256}}/content    : {store_get:7.2f} s  {mbs(store_get):7.1f} MiB/s  "
          f"= {dratio:.2f}x anchor (target >= 0.80)  {'PASS' if dratio >= 0.8 else 'MISS'}; ETag is the SHA-256: "
          f"{etag.strip(chr(34)) == sha}  (urllib3, as boto3)")
    print(f"        the same through httpx (the dock's client): {httpx_get:7.2f} s  {mbs(httpx_get):7.1f} MiB/s  "
          f"= {anchor_get / httpx_get:.2f}x anchor")
    print(f"server RSS: at start {base_rss:.0f} MB, max sampled while uploading {max(up_samples or [0]):.0f} MB, "
          f"while downloading {max(samples or [0]):.0f} MB, "
          f"peak (VmHWM) {peak:.0f} MB (target <= 300)  {'PASS' if peak <= 300 else 'MISS'}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
