"""packaging/stubs/: the libraries the bundle replaces by stubs (x265, SVT-AV1, libvpx, LAME, libopus, OpenCV's
libavif) refuse cleanly, and nothing the app does with PyAV or cv2's image codecs changes.

The stubs are built as the bundle builds them (shared_libs.build_adapters) and preloaded into a child process:
they carry the replaced libraries' SONAMEs, so PyAV's libavcodec binds to them and the real libraries are never
mapped, as in the bundle. In that child, H.264 and AAC still encode (the export's encoders), HEVC, AV1, VP9, MP3
and Opus made by the real encoders in this process still decode (FFmpeg's own decoders, dav1d), and asking for a
stubbed encoder gives PyAV's error instead of a crash. Likewise cv2 still encodes and decodes PNG and JPEG (the
app's stills, thumbnails and report images) and reports an AVIF write as failed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import importlib.util

import av
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import shared_libs  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the stubs")

AV_LIBS = Path(av.__file__).resolve().parents[1] / "av.libs"
# found without importing cv2: the child imports this module, and cv2 would map its own FFmpeg and libvpx
CV2 = Path(importlib.util.find_spec("cv2").origin).resolve().parent
CV_LIBS = CV2.parent / "opencv_contrib_python_headless.libs"
SIZE, FRAMES, RATE = 128, 6, 48000
# made in this process with the real encoder, decoded in the child with FFmpeg's own decoder
MADE = {"hevc.mkv": ("libx265", "hevc"), "av1.mkv": ("libsvtav1", "libdav1d"), "vp9.mkv": ("libvpx-vp9", "vp9"),
        "mp3.mka": ("libmp3lame", "mp3float"), "opus.mka": ("libopus", "opus")}
REFUSED = ["libx265", "libsvtav1", "libvpx", "libvpx-vp9", "libmp3lame", "libopus"]


def shade(i: int) -> int:
    return 30 + 35 * i


def encode(path: Path, codec: str) -> None:
    with av.open(str(path), "w") as out:
        if av.codec.Codec(codec, "w").type == "audio":
            s = out.add_stream(codec, rate=RATE, layout="mono")
            t = np.arange(RATE // 2) / RATE
            samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
            frame.sample_rate = RATE
            resampler = av.AudioResampler(format=s.codec_context.format, layout="mono", rate=RATE,
                                          frame_size=s.codec_context.frame_size or None)
            frames = resampler.resample(frame) + resampler.resample(None)
        else:
            s = out.add_stream(codec, rate=25)
            s.width = s.height = SIZE
            s.pix_fmt = "yuv420p"
            frames = [av.VideoFrame.from_ndarray(np.full((SIZE, SIZE, 3), shade(i), np.uint8), format="rgb24")
                      for i in range(FRAMES)]
        for frame in frames + [None]:
            for packet in s.encode(frame):
                out.mux(packet)


CHILD = r"""
import json, sys
from pathlib import Path
import av, numpy as np
sys.path.insert(0, sys.argv[1])
from test_codec_stubs import MADE, REFUSED, encode
here = Path(sys.argv[2])
out = {}
for codec in ["libx264", "aac"] + REFUSED:
    try:
        encode(here / f"child-{codec}.{'mka' if codec in ('aac', 'libmp3lame', 'libopus') else 'mkv'}", codec)
        out[codec] = "encoded"
    except av.FFmpegError as exc:
        out[codec] = f"{type(exc).__name__}: {exc}"
for name in ["child-libx264.mkv", "child-aac.mka", *MADE]:
    with av.open(str(here / name)) as c:
        stream = c.streams[0]
        decoded = list(c.decode(stream))
        out[name] = {"decoder": stream.codec_context.codec.name,
                     "means": [round(float(f.to_ndarray(format="rgb24").mean())) for f in decoded]
                     if stream.type == "video" else sum(f.samples for f in decoded)}
maps = open("/proc/self/maps").read()
out["mapped"] = sorted({line.split("/")[-1] for line in maps.splitlines()
                        if any(k in line.lower() for k in ("x265", "svtav1", "vpx", "lame", "opus", "gnutls"))})
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def stubs(tmp_path_factory) -> dict[str, Path]:
    toc = [(f"{d.name}/{f.name}", str(f), "BINARY") for d in (AV_LIBS, CV_LIBS) for f in d.iterdir()]
    binaries, rules = shared_libs.build_adapters(toc, tmp_path_factory.mktemp("work"), adapters=[])
    built = {d: Path(s) for d, s, _ in binaries}
    return {replaced: built[kept] for replaced, kept in rules}


def test_each_stub_defines_everything_its_consumer_takes_from_the_library_it_replaces(stubs):
    consumers = {"av.libs": [str(next(AV_LIBS.glob(f"lib{lib}-*"))) for lib in ("avcodec", "avformat")],
                 CV_LIBS.name: [str(next(CV2.glob("cv2*.so")))]}
    assert set(stubs) == {glob for glob, _ in shared_libs.STUBS}
    for replaced_glob, stub in stubs.items():
        folder, name = replaced_glob.split("/")
        real = str(next((AV_LIBS.parent / folder).glob(name)))
        assert shared_libs.missing_symbols(real, str(stub), consumers[folder]) == []
        taken = set().union(*(shared_libs._symbols(c, "undefined") for c in consumers[folder]))
        assert {s for s in shared_libs._symbols(real, "defined") if s in taken}  # the check above had work to do


def test_with_the_stubs_the_exports_encoders_work_other_formats_decode_and_stubbed_encoders_refuse(stubs,
                                                                                                   tmp_path):
    for name, (codec, _) in MADE.items():
        encode(tmp_path / name, codec)  # the real encoders, in this process
    codecs = [p for glob, p in stubs.items() if glob.startswith("av.libs/")]
    env = {**os.environ, "LD_PRELOAD": ":".join(map(str, codecs))}
    p = subprocess.run([sys.executable, "-c", CHILD, str(Path(__file__).parent), str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["mapped"] == sorted(p.name for p in codecs)  # the real libraries never loaded
    assert out["libx264"] == out["aac"] == "encoded"
    for codec in REFUSED:
        assert f"avcodec_open2(\"{codec}\", {{}})" in out[codec], (codec, out[codec])
    expected = [shade(i) for i in range(FRAMES)]
    for name, decoder in [("child-libx264.mkv", "h264"), ("child-aac.mka", "aac")] + list(MADE.values()):
        name = name if name.startswith("child-") else next(n for n, (_, d) in MADE.items() if d == decoder)
        assert out[name]["decoder"] == decoder
        if isinstance(out[name]["means"], list):
            assert np.allclose(out[name]["means"], expected, atol=3), (name, out[name]["means"])
        else:
            assert abs(out[name]["means"] - RATE // 2) < 3000, (name, out[name]["means"])


CV_CHILD = r"""
import json, cv2, numpy as np
img = (np.arange(48 * 64 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
ok_png, png = cv2.imencode(".png", img)
ok_jpg, jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
out = {"png": bool(ok_png) and bool(np.array_equal(cv2.imdecode(png, cv2.IMREAD_COLOR), img)),
       "jpg": bool(ok_jpg) and cv2.imdecode(jpg, cv2.IMREAD_COLOR).shape == img.shape,
       "avif": bool(cv2.imencode(".avif", img)[0]),
       "mapped": sorted({l.split("/")[-1].strip() for l in open("/proc/self/maps") if "avif" in l})}
print(json.dumps(out))
"""


def test_with_the_avif_stub_cv2_writes_and_reads_png_and_jpeg_and_refuses_avif(stubs):
    stub = next(p for glob, p in stubs.items() if "libavif" in glob)
    p = subprocess.run([sys.executable, "-c", CV_CHILD], capture_output=True, text=True,
                       env={**os.environ, "LD_PRELOAD": str(stub)}, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"png": True, "jpg": True, "avif": False, "mapped": [stub.name]}


TLS_CHILD = r"""
import json, socket, threading
import av
server = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=lambda: server.accept(), daemon=True).start()
try:
    av.open(f"https://127.0.0.1:{server.getsockname()[1]}/clip.mp4", timeout=30)
    out = {"https": "opened"}
except av.FFmpegError as exc:
    out = {"https": f"{type(exc).__name__}: {exc}"}
out["mapped"] = sorted({l.split("/")[-1].strip() for l in open("/proc/self/maps")
                        if any(k in l for k in ("gnutls", "unistring", "nettle", "hogweed", "gmp"))})
print(json.dumps(out))
"""


def test_with_the_gnutls_stub_an_https_url_fails_cleanly_and_gnutls_needs_nothing_more(stubs):
    stub = next(p for glob, p in stubs.items() if "libgnutls" in glob)
    p = subprocess.run([sys.executable, "-c", TLS_CHILD], capture_output=True, text=True,
                       env={**os.environ, "LD_PRELOAD": str(stub)}, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["mapped"] == [stub.name]  # neither GnuTLS nor what it needs is loaded
    assert out["https"].startswith("OSError: [Errno 5] Input/output error"), out["https"]
