"""Export: timing kept (ffprobe as oracle), masks obscure, audio redacted, leaks caught, nothing partial left."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from reviewer.errors import Cancelled
from reviewer.export import manifest as mf
from reviewer.export.audio_redact import dbfs
from reviewer.export.job import export
from reviewer.export.leakcheck import LeakDetected
from reviewer.export.pipeline import ExportError
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.progress import Task
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.render import redact
from tests.fixtures import framecode

WHO = Provenance("pc1234", "investigator", "ws-test", purpose="court bundle", recipient="CPS")


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def probe_times(path: Path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    return [float(f["pts_time"]) for f in json.loads(out)["frames"] if "pts_time" in f]


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def code_mask(src: MediaSource, effect: Effect) -> MaskTrack:
    """A mask over the burned-in frame code for the whole recording."""
    x, y, w, h = framecode.code_rect(src.info.width)
    t = src.table
    box = ((float(x), float(y)), (float(x + w), float(y + h)))
    return MaskTrack(ShapeKind.RECT, (Keyframe(int(t.pts[0]), box), Keyframe(int(t.pts[-1]), box)), effect=effect,
                     label="code")


@pytest.mark.parametrize("name,ranges", [
    ("cfr_h264", ()),
    ("vfr_h264", ((37, 151),)),  # 37 is not a keyframe
    ("editlist", ((0, 80),)),
    ("offset_mkv", ((5, 60), (120, 150))),
])
def test_frames_and_timing_match_the_source_range(make_clip, tmp_path, name, ranges):
    clip = make_clip(name)
    src = MediaSource.from_file(clip.path)
    before = sha(clip.path)
    res = export(src, MaskSet(), ExportRequest(ranges=ranges), tmp_path / "out.mp4", WHO)
    t = src.table
    spans = ranges or ((0, t.frame_count - 1),)
    want, offset = [], 0.0
    for a, b in spans:
        base = float(t.pts[a] * t.time_base)
        want += [offset + float(t.pts[i] * t.time_base) - base for i in range(a, b + 1)]
        nxt = float(t.pts[b + 1] * t.time_base) if b + 1 < t.frame_count else float((t.pts[b] + t.typical_frame_ticks) * t.time_base)
        offset += nxt - base
    got = probe_times(res.output)
    assert len(got) == len(want) == res.frames
    assert want[0] == 0.0 and np.allclose(got, want, atol=0.0006), "range starts at zero with its timing intact"
    codes = [framecode.read(img) for img in decoded(res.output)]
    expected_codes = [clip.first_code + i for a, b in spans for i in range(a, b + 1)]
    assert codes == expected_codes
    assert sha(clip.path) == before, "the original is untouched"


@pytest.mark.parametrize("effect", [Effect(EffectKind.SOLID), Effect(EffectKind.BLUR, 30), Effect(EffectKind.PIXELATE, 20)])
def test_masked_pixels_obscured_and_the_rest_preserved(make_clip, tmp_path, effect):
    # 1080p, as body-worn footage is. (On the 320x240 random-noise clip two x264 encodes at CRF 18 differ by
    # 33.5-35 dB outside the mask whatever the mask does: rate control spends bits differently.)
    clip = make_clip("hd1080")
    src = MediaSource.from_file(clip.path)
    req = ExportRequest(ranges=((0, 29),))
    plain = export(src, MaskSet(), req, tmp_path / "plain.mp4", WHO)
    masked = export(src, MaskSet(tracks=(code_mask(src, effect),)), req, tmp_path / "masked.mp4", WHO)
    assert masked.leak.passed and masked.leak.regions_checked == 30
    x, y, w, h = framecode.code_rect(src.info.width)
    for a, b in zip(decoded(plain.output), decoded(masked.output)):
        assert framecode.read(b) is None, "the code under the mask can no longer be read"
        if effect.kind is EffectKind.SOLID:
            assert np.abs(b[y + 4:y + h - 4, x + 4:x + w - 4].astype(int)).max() <= 12
        outside = np.ones(a.shape[:2], bool)
        outside[: y + h + 16, : x + w + 16] = False  # the mask plus the codec's reach around it
        mse = np.mean((a[outside].astype(float) - b[outside].astype(float)) ** 2)
        assert 10 * np.log10(255 ** 2 / max(mse, 1e-9)) >= 35.0


def test_audio_mute_and_bleep(make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    t = src.table
    ms = MaskSet(audio=(PtsRange(int(t.pts[60]), int(t.pts[119]), mode="mute"),
                        PtsRange(int(t.pts[180]), int(t.pts[209]), mode="bleep")))
    res = export(src, ms, ExportRequest(), tmp_path / "a.mp4", WHO)
    assert res.leak.audio_ranges_checked == 2 and res.leak.passed
    with av.open(str(res.output)) as c:
        rate = c.streams.audio[0].codec_context.sample_rate
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    sec = lambda s: int(s * rate)  # noqa: E731
    assert dbfs(samples[sec(2.0):sec(4.0)]) <= -60.0, "muted range is silent"
    kept = samples[sec(0.5):sec(1.5)]
    assert abs(dbfs(kept) - dbfs(0.3 * np.sin(np.linspace(0, 880 * np.pi, 48000)))) < 1.0, "outside is preserved"
    spec = np.abs(np.fft.rfft(kept))
    assert abs(np.argmax(spec) * rate / kept.size - 440) < 3
    bleep = samples[sec(6.1):sec(6.9)]
    assert abs(np.argmax(np.abs(np.fft.rfft(bleep))) * rate / bleep.size - 1000) < 3


def test_a_mask_skipped_on_one_frame_is_caught(make_clip, tmp_path):
    clip = make_clip("cfr_h264")
    src = MediaSource.from_file(clip.path)
    skip_pts = int(src.table.pts[42])

    def broken(planes, mask_set, pts, regions=None):
        if pts != skip_pts:
            redact(planes, mask_set, pts, regions=regions)

    out = tmp_path / "leaky.mp4"
    with pytest.raises(LeakDetected, match=r"frame 42 .*'code' not obscured"):
        export(src, MaskSet(tracks=(code_mask(src, Effect(EffectKind.BLUR, 30)),)), ExportRequest(ranges=((0, 80),)),
               out, WHO, redactor=broken)
    assert not out.exists() and not list(tmp_path.glob("*.part.mp4")), "no file that looks finished"


def test_verify_detects_flipped_byte_and_edited_manifest(make_clip, tmp_path):
    src = MediaSource.from_file(make_clip("cfr_noaudio").path)
    res = export(src, MaskSet(tracks=(code_mask(src, Effect(EffectKind.SOLID)),)), ExportRequest(), tmp_path / "v.mp4", WHO)
    assert mf.verify(res.output).ok
    m = json.loads(res.manifest_path.read_text())
    assert m["source"]["sha256"] == sha(src.path) and m["recipient"] == "CPS" and m["operator"]["user"] == "pc1234"

    data = bytearray(res.output.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped = tmp_path / "flipped.mp4"
    flipped.write_bytes(bytes(data))
    v = mf.verify(flipped, res.manifest_path)
    assert not v.ok and any("SHA-256" in p for p in v.problems)

    m["recipient"] = "someone else"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(m))
    v = mf.verify(res.output, edited)
    assert not v.ok and any("edited" in p for p in v.problems)


def test_cancel_leaves_nothing(make_clip, tmp_path):
    src = MediaSource.from_file(make_clip("cfr_h264").path)
    task = Task()
    task.progress = lambda f, _: task.cancel.cancel() if f > 0.3 else None
    with pytest.raises(Cancelled):
        export(src, MaskSet(), ExportRequest(), tmp_path / "c.mp4", WHO, task=task)
    assert list(tmp_path.iterdir()) == []


FULL_DISK = r"""
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))  # the disk fills after 200 kB
from reviewer.export.job import export
from reviewer.export.pipeline import ExportError
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.redact.model import MaskSet
src = MediaSource.from_file(sys.argv[1])
try:
    export(src, MaskSet(), ExportRequest(), Path(sys.argv[2]), Provenance("u", "investigator", "ws"))
except ExportError as e:
    print("ERROR:", e)
    sys.exit(3)
"""


def test_full_disk_gives_a_clear_error_and_no_output(make_clip, tmp_path):
    out = tmp_path / "full.mp4"
    p = subprocess.run([sys.executable, "-c", FULL_DISK, str(make_clip("hd1080").path), str(out)],
                       capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert p.returncode == 3, p.stderr[-2000:]
    assert "not enough disk space" in p.stdout and "full.mp4" in p.stdout
    assert list(tmp_path.iterdir()) == []
