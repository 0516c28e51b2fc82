"""The leak check compares each output region with its *source* (issue 8): pixelation with 1 or 2 px blocks left
the burned-in frame code intact (44.7 dB against the source) and still passed, because the old check only asked
whether the output looked flat inside each block. A region that keeps its source's fine detail must now fail the
export, naming the frame and the track; proper blur, pixelation and solid fill must still pass."""

from __future__ import annotations

import av
import pytest

from reviewer.export.job import export
from reviewer.export.leakcheck import LeakDetected
from reviewer.export.settings import ExportRequest, Provenance
from reviewer.media.source import MediaSource
from reviewer.redact.model import Effect, EffectKind, MaskSet
from reviewer.redact.validate import MIN_BLUR_PERCENT, min_pixel_block
from tests.core.test_export import code_mask
from tests.fixtures import framecode

WHO = Provenance("pc1234", "investigator", "ws-test")
RANGE = ((0, 20),)


@pytest.fixture(scope="module")
def src(make_clip):
    return MediaSource.from_file(make_clip("cfr_h264").path)


# 1 and 2 px blocks leave everything; 8 px blocks are the code's own bit grid (aligned with it at the frame's
# corner), so they reproduce it exactly: the old check saw perfectly flat blocks and passed all three.
@pytest.mark.parametrize("block", [1, 2, 8])
def test_weak_pixelation_fails_naming_frame_and_track(src, tmp_path, block):
    assert framecode.block_size(src.info.width) == 8
    out = tmp_path / "weak.mp4"
    track = code_mask(src, Effect(EffectKind.PIXELATE, block))
    with pytest.raises(LeakDetected) as err:
        export(src, MaskSet((track,)), ExportRequest(ranges=RANGE), out, WHO)
    msg = str(err.value)
    assert msg.startswith(f"{out}: leak check FAILED, export discarded: frame 0 (output frame 0): region 'code' "
                          f"still shows the source (pixelate {block} keeps "), msg
    assert err.value.report.failures and all("region 'code' still shows the source" in f
                                             for f in err.value.report.failures)
    assert not out.exists() and not out.with_name(out.name + ".manifest.json").exists()


def test_proper_effects_still_pass_and_hide_the_code(src, tmp_path):
    x, y, w, h = framecode.code_rect(src.info.width)
    block = 2 * max(min_pixel_block(min(w, h)), framecode.block_size(src.info.width))
    for n, effect in enumerate((Effect(EffectKind.PIXELATE, block), Effect(EffectKind.BLUR, MIN_BLUR_PERCENT),
                                Effect(EffectKind.BLUR, 30), Effect(EffectKind.SOLID))):
        out = tmp_path / f"ok{n}.mp4"
        res = export(src, MaskSet((code_mask(src, effect),)), ExportRequest(ranges=RANGE), out, WHO)
        assert res.leak.passed and res.leak.regions_checked == 21, effect
        with av.open(str(out)) as c:
            assert all(framecode.read(f.to_ndarray(format="rgb24")) is None for f in c.decode(video=0)), effect
