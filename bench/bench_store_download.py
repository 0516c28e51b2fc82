"""Download of one large recording from the central store, beside two anchors in the same run (issue 10, section 6):
- boto3 `get_object` of the same object straight from the same SeaweedFS;
- `curl` fetching the same object from the same SeaweedFS (a presigned URL), to /dev/null.
The store is measured with curl too (GET /api/v1/recordings/{sha256}/content, bearer token) and with urllib3 (the
HTTP client under boto3), so each ratio compares like with like. Rounds alternate the fetches, and the
median of each is reported (two cores shared with other work: a single run is noise).
Targets: store >= 0.8x the boto3 get and >= 0.8x curl from SeaweedFS; server RSS <= 300 MB while streaming.

Neither anchor hashes. The store serves a stored version it has already hashed whole without hashing it again
(blobs/verified.py; here the probe worker's copy at registration verified it); a second store process on the same
database and bucket, configured to hash every full read (reverify_after_seconds = 0), is timed beside it with
curl, so the cost of re-hashing on every download is printed too.

Set-up (not timed): a throwaway PostgreSQL and SeaweedFS (tests/store/services.py), the file put into the store's
bucket by its own S3 blob store (multipart, as a dock's upload leaves it), its blob row, and its registration by a
supervisor.

Usage (from the repo root): .venv/bin/python bench/bench_store_download.py [--size-mb 2048] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_store_upload import make_file, rss_mb  # noqa: E402
from tests.store import services  # noqa: E402

MiB = 1024 * 1024


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its reaped threads): the work a download costs the server,
    which the machine's load does not inflate the way it inflates wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def curl_get(url: str, headers: dict | None = None) -> tuple[float, int, str]:
    """(seconds, bytes, ETag) of curl fetching url to /dev/null; curl's own clock, from start to the last byte."""
    cmd = ["curl", "-sS", "--fail", "-o", "/dev/null", "-D", "-", "-w", "\n%{time_total} %{size_download}"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout.strip().splitlines()
    seconds, size = out[-1].split()
    etag = next((ln.split(":", 1)[1].strip() for ln in out if ln.lower().startswith("etag:")), "")
    return float(seconds), int(size), etag


def urllib3_get(url: str, headers: dict) -> tuple[float, int]:
    import urllib3

    t0 = time.perf_counter()
    r = urllib3.PoolManager().request("GET", url, headers=headers, preload_content=False)
    got = 0
    while chunk := r.read(8 * MiB):
        got += len(chunk)
    r.release_conn()
    assert r.status == 200, r.status
    return time.perf_counter() - t0, got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=2048, help="file size in MiB (default 2048)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds of the four fetches (default 3)")
    ap.add_argument("--tmp", type=Path, default=None, help="scratch folder (default: system temp)")
    ap.add_argument("--profile", type=Path, default=None, metavar="OUT",
                    help="record the server with py-spy (must be on PATH) during the store's fetches: "
                         "OUT.txt (collapsed stacks, --idle, threads)")
    args = ap.parse_args()
    size = args.size_mb * MiB
    with tempfile.TemporaryDirectory(prefix="bwv-bench-dl-", dir=args.tmp) as root:
        root = Path(root)
        os.chmod(root, 0o755)
        print(f"file: {args.size_mb} MiB of random bytes; {args.rounds} rounds; "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        sha = make_file(root / "bench.mp4", size)
        with services.postgres(root / "pgroot") as pg, services.seaweed(
                root / "weedroot", volume_size_mb=max(64, args.size_mb // 8)) as weed:
            from reviewer.store.blobs.s3 import S3BlobStore, S3Settings

            settings = S3Settings(endpoint=weed.endpoint, bucket="bwv-bench", access_key=weed.access_key,
                                  secret_key=weed.secret_key, prefix="blobs/")
            config = services.write_store_config(root / "srv", database_url=pg.url, s3=settings)
            hashing = config.with_name("store-hashing.toml")  # the same store, hashing every full read
            hashing.write_text(config.read_text().replace("[blobs]\n", "[blobs]\nreverify_after_seconds = 0\n")
                               .replace("[uploads]\n", '[uploads]\nstaging = "staging-hashing"\n'))
            with services.store_server(config) as store, contextlib.ExitStack() as stack:
                blobs = S3BlobStore(settings)
                blobs.put(sha, root / "bench.mp4")
                (root / "bench.mp4").unlink()  # nothing is read from the local disk from here on
                from reviewer.store.db import open_store_database
                from reviewer.store.models import Blob

                engine, sessions = open_store_database(pg.url)
                with sessions.begin() as s:
                    s.add(Blob(sha256=sha, size=size))
                engine.dispose()
                import httpx

                def signed_in(role: str) -> dict:
                    code = services.add_user(config, f"bench-{role}", role)
                    return {"Authorization": "Bearer " + services.enrol(store.url, code)["access_token"]}

                sup, ps = signed_in("supervisor"), signed_in("professional_standards")
                api = store.url + "/api/v1"
                inc = httpx.post(f"{api}/admin/incidents", json={"reference": "BENCH-DL"}, headers=sup, timeout=60)
                httpx.post(f"{api}/admin/recordings", headers=sup, timeout=60, json={
                    "sha256": sha, "incident_id": inc.json()["id"], "file_name": "bench.mp4"}).raise_for_status()
                content = f"{api}/recordings/{sha}/content"
                # the probe worker copies a new recording out of S3 once, at registration: not a download
                t0 = time.monotonic()
                while httpx.get(f"{api}/recordings/{sha}/probe", headers=ps, timeout=60).json()["state"] == "pending":
                    assert time.monotonic() - t0 < 900, "the store's probe did not finish"
                    time.sleep(0.5)
                # started once the probe is done, so the first process is the one that verified the object
                hashing_store = stack.enter_context(services.store_server(hashing))
                content_hashing = f"{hashing_store.url}/api/v1/recordings/{sha}/content"
                presigned = blobs.client.generate_presigned_url(
                    "get_object", Params={"Bucket": settings.bucket, "Key": blobs.key(sha)}, ExpiresIn=3600)

                pid = store.proc.pid
                weed_pids = [int(x) for x in subprocess.run(["pgrep", "-f", str(root / "weedroot")],
                                                            capture_output=True, text=True).stdout.split()]
                weed_cpu = lambda: sum(cpu_s(p) for p in weed_pids)  # noqa: E731
                base_rss, samples, stop = rss_mb(pid), [], threading.Event()

                def sample():
                    while not stop.wait(0.1):
                        samples.append(rss_mb(pid))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                times: dict[str, list[float]] = {k: [] for k in ("boto3", "curl_s3", "curl_store", "urllib3_store",
                                                                 "curl_store_hashing")}
                cpu: list[float] = []
                weed: dict[str, list[float]] = {"curl_s3": [], "curl_store": []}
                etag = ""
                spy = None
                if args.profile:
                    spy = subprocess.Popen(["py-spy", "record", "-p", str(pid), "-r", "200", "--idle", "--threads",
                                            "-f", "raw", "-o", str(args.profile.with_suffix(".txt"))],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
                    time.sleep(2)
                try:
                    for _ in range(args.rounds):
                        t0 = time.perf_counter()
                        body = blobs.client.get_object(Bucket=settings.bucket, Key=blobs.key(sha))["Body"]
                        got = 0
                        while chunk := body.read(8 * MiB):
                            got += len(chunk)
                        times["boto3"].append(time.perf_counter() - t0)
                        assert got == size
                        w0 = weed_cpu()
                        secs, got, _ = curl_get(presigned)
                        weed["curl_s3"].append(weed_cpu() - w0)
                        assert got == size
                        times["curl_s3"].append(secs)
                        c0, w0 = cpu_s(pid), weed_cpu()
                        secs, got, etag = curl_get(content, ps)
                        cpu.append(cpu_s(pid) - c0)
                        weed["curl_store"].append(weed_cpu() - w0)
                        assert got == size
                        times["curl_store"].append(secs)
                        secs, got = urllib3_get(content, ps)
                        assert got == size
                        times["urllib3_store"].append(secs)
                        secs, got, _ = curl_get(content_hashing, ps)
                        assert got == size
                        times["curl_store_hashing"].append(secs)
                finally:
                    stop.set()
                    sampler.join()
                    if spy is not None:
                        import signal

                        spy.send_signal(signal.SIGINT)
                        spy.wait(60)
                peak = rss_mb(pid, "VmHWM")

    med = {k: statistics.median(v) for k, v in times.items()}
    mbs = lambda s: args.size_mb / s  # noqa: E731
    print(f"anchor  boto3 get from SeaweedFS              : {med['boto3']:6.2f} s  {mbs(med['boto3']):7.1f} MiB/s"
          f"  (rounds: {', '.join(f'{t:.2f}' for t in times['boto3'])})")
    print(f"anchor  curl from SeaweedFS (presigned)       : {med['curl_s3']:6.2f} s  {mbs(med['curl_s3']):7.1f} MiB/s"
          f"  (rounds: {', '.join(f'{t:.2f}' for t in times['curl_s3'])})")
    for key, label, anchor in (("urllib3_store", "urllib3 (as boto3) <- store", "boto3"),
                               ("curl_store", "curl <- store               ", "curl_s3"),
                               ("curl_store_hashing", "curl <- store, hashing      ", "curl_s3")):
        r = med[anchor] / med[key]
        print(f"store   {label}: {med[key]:6.2f} s  {mbs(med[key]):7.1f} MiB/s  = {r:.2f}x {anchor} "
              f"(target >= 0.80)  {'PASS' if r >= 0.8 else 'MISS'}"
              f"  (rounds: {', '.join(f'{t:.2f}' for t in times[key])})")
    print("(the anchors do not hash; the store lines above serve a version it verified once, at registration; "
          "'hashing' re-hashes the whole object during every download)")
    gib = args.size_mb / 1024
    print(f"ETag is the SHA-256: {etag.strip(chr(34)) == sha}; CPU seconds per GiB (medians; 2 cores in all): "
          f"SeaweedFS serving curl directly {statistics.median(weed['curl_s3']) / gib:.2f}; through the store: "
          f"SeaweedFS {statistics.median(weed['curl_store']) / gib:.2f} + store {statistics.median(cpu) / gib:.2f}")
    print(f"server RSS: at start {base_rss:.0f} MB, max sampled while downloading {max(samples or [0]):.0f} MB, "
          f"peak (VmHWM) {peak:.0f} MB (target <= 300)  {'PASS' if peak <= 300 else 'MISS'}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main()
