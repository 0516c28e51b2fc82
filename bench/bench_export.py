"""Export throughput against the ffmpeg CLI doing the same work with the same encoder settings.

60 s of 1080p30 H.264 + AAC, three masks (solid, blur, pixelate) and one muted audio range.
- ffmpeg side: split/crop/boxblur|pixelate/overlay filter graph over static rectangles + a volume=0 window.
- our side: the full export (moving masks through interpolate(), leak check on), and the same without the check.
Each run is a separate process so peak RSS is its own. Targets: >= 1.0x ffmpeg without the leak check,
>= 0.7x with it; peak RSS <= 600 MB.

Run from the repository root:  .venv/bin/python bench/bench_export.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._keyring import ensure_keyring  # noqa: E402
OUT = ROOT / "bench" / "out"
SECONDS = 60
PRESET, CRF = "veryfast", 18
BOXES = [(100, 100, 300, 300), (800, 400, 240, 240), (1400, 700, 320, 200)]  # x, y, w, h
MUTE = (10.0, 20.0)

OURS = r"""
import json, resource, sys, time
from pathlib import Path
from reviewer.export.job import export
from reviewer.export.settings import EncoderSettings, ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
src = MediaSource.from_file(sys.argv[1])
t = src.table
boxes = json.loads(sys.argv[3])
effects = [Effect(EffectKind.SOLID), Effect(EffectKind.BLUR, 25), Effect(EffectKind.PIXELATE, 16)]
tracks = []
for (x, y, w, h), eff in zip(boxes, effects):
    a = ((float(x), float(y)), (float(x + w), float(y + h)))
    b = ((float(x + 40), float(y + 20)), (float(x + w + 40), float(y + h + 20)))  # moving: interpolate() every frame
    tracks.append(MaskTrack(ShapeKind.RECT, (Keyframe(int(t.pts[0]), a), Keyframe(int(t.pts[-1]), b)), effect=eff))
mute = json.loads(sys.argv[5])
ms = MaskSet(tracks=tuple(tracks), audio=(PtsRange(t.index_at_media_time(mute[0]) and int(t.pts[t.index_at_media_time(mute[0])]),
                                                   int(t.pts[t.index_at_media_time(mute[1])]), mode="mute"),))
req = ExportRequest(encoder=EncoderSettings(preset=sys.argv[6], crf=int(sys.argv[7])), leak_check=sys.argv[4] == "1")
t0 = time.perf_counter()
res = export(src, ms, req, Path(sys.argv[2]), Provenance("bench", "investigator", "bench"), overwrite=True)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "frames": res.frames, "leak": res.leak.to_json() if res.leak else None,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def source() -> Path:
    path = OUT / f"export_src_{SECONDS}s.mp4"
    if path.exists():
        return path
    from tests.fixtures import clips

    OUT.mkdir(parents=True, exist_ok=True)
    n = SECONDS * 30
    print(f"building {n}-frame 1080p30 source with audio ...", file=sys.stderr)
    clips.encode(path, width=1920, height=1080, pts_list=list(range(n)), time_base=Fraction(1, 30), gop=60,
                 bframes=2, audio=True)
    return path


def ffmpeg_cmd(src: Path, out: Path) -> list[str]:
    (x1, y1, w1, h1), (x2, y2, w2, h2), (x3, y3, w3, h3) = BOXES
    graph = (
        "[0:v]split=4[base][c1][c2][c3];"
        f"[c1]crop={w1}:{h1}:{x1}:{y1},drawbox=x=0:y=0:w={w1}:h={h1}:color=black:t=fill[b1];"
        f"[c2]crop={w2}:{h2}:{x2}:{y2},boxblur=20:3[b2];"
        f"[c3]crop={w3}:{h3}:{x3}:{y3},scale=iw/16:ih/16,scale={w3}:{h3}:flags=neighbor[b3];"
        f"[base][b1]overlay={x1}:{y1}[o1];[o1][b2]overlay={x2}:{y2}[o2];[o2][b3]overlay={x3}:{y3}[v];"
        f"[0:a]volume=enable='between(t,{MUTE[0]},{MUTE[1]})':volume=0[a]"
    )
    return ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-b:a", "128k", "-movflags", "+faststart", str(out)]


def run_ffmpeg(src: Path) -> tuple[float, float]:
    out = OUT / "export_ffmpeg.mp4"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(ffmpeg_cmd(src, out), check=True)
    wall = time.perf_counter() - t0
    rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, rss


def run_ours(src: Path, leak: bool) -> dict:
    out = OUT / f"export_ours_{'leak' if leak else 'noleak'}.mp4"
    p = subprocess.run([sys.executable, "-c", OURS, str(src), str(out), json.dumps(BOXES), "1" if leak else "0",
                        json.dumps(MUTE), PRESET, str(CRF)], capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ensure_keyring()  # the export seals its manifest with the workstation key
    src = source()
    frames = SECONDS * 30
    ff_wall, ff_rss = run_ffmpeg(src)
    no = run_ours(src, leak=False)
    yes = run_ours(src, leak=True)
    ff_fps = frames / ff_wall
    print(f"source: {src.name}, {frames} frames 1080p30 + AAC; x264 preset={PRESET} crf={CRF}; 3 masks + 1 mute")
    print(f"ffmpeg CLI (anchor)          : {ff_wall:6.1f} s  {ff_fps:6.1f} fps  peak RSS {ff_rss:6.0f} MB")
    for name, r, target in (("ours, no leak check", no, 1.0), ("ours, with leak check", yes, 0.7)):
        fps = r["frames"] / r["wall"]
        ok = "meets" if fps / ff_fps >= target and r["rss_mb"] <= 600 else "MISSES"
        print(f"{name:28s} : {r['wall']:6.1f} s  {fps:6.1f} fps  = {fps / ff_fps:4.2f}x ffmpeg (target >= {target}x)  "
              f"peak RSS {r['rss_mb']:6.0f} MB (target <= 600)  -> {ok}")
    if yes["leak"]:
        print(f"leak check: {yes['leak']}")


if __name__ == "__main__":
    main()
