"""The composite leak check's margins (ADR 0024): on blurred and pixelated tiles scaled down and up, the copy is
far closer to the tile as redacted than to the tile unredacted, and with the masks skipped far closer to the
unredacted one, so the verdict never hangs on the encoder's noise. Prints the figures ADR 0024 quotes (run with
-s to see them)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from reviewer.export import incident_export
from reviewer.export.composite_leak import MIN_CHANGE, _crop
from reviewer.export.composite_tiles import interiors, tile_regions
from reviewer.export.incident_export import IncidentExportJob, run_incident_export
from reviewer.export.leakcheck import LeakDetected
from reviewer.incident.service import IncidentClocks
from reviewer.redact.model import Effect, EffectKind, MaskTrack
from reviewer.redact.planes import Planes
from reviewer.redact.store import MaskStore
from tests.core.test_incident_export import INCIDENT, ids, lib, template  # noqa: F401

DECISIVE = 0.25  # the nearer distance is at most a quarter of the farther one


def distances(path, plan, masks, record) -> list[tuple[float, float]]:
    """(to the redacted tile, to the unredacted tile) per judged region, as composite_leak measures them."""
    out = []
    with av.open(str(path)) as c:
        for k, frame in enumerate(c.decode(video=0)):
            planes = Planes.from_frame(frame)
            for spec, shown in zip(plan.tiles, record.frames[k]):
                if shown is None or not shown.samples:
                    continue
                tile = _crop(planes, spec.picture)
                for s in shown.samples:
                    if s is None or float(np.abs(s.before - s.after).mean()) < MIN_CHANGE:
                        continue
                    got = tile.y[s.rows, s.cols].astype(np.float32)
                    out.append((float(np.abs(got - s.after).mean()), float(np.abs(got - s.before).mean())))
    return out


@pytest.mark.parametrize("effect", [Effect(EffectKind.BLUR), Effect(EffectKind.PIXELATE, strength=12)],
                         ids=["blur", "pixelate"])
@pytest.mark.parametrize("tile", [(192, 108), (384, 216)], ids=["smaller", "larger"])
def test_the_tile_check_decides_by_a_wide_margin(lib, ids, tmp_path, monkeypatch, effect, tile):  # noqa: F811
    store = MaskStore(lib)
    [track] = store.load(ids["pc-b"]).tracks
    store.save_track(ids["pc-b"], MaskTrack(track.kind, track.keyframes, effect, label=track.label,
                                            reason=track.reason, id=track.id))
    real = incident_export.make_checker
    seen: dict = {}

    def measuring(plan, masks, leak, out):
        check = real(plan, masks, leak, out)

        def run(path, record, task):
            seen["d"] = distances(path, plan, masks, record)
            return check(path, record, task)

        return run

    monkeypatch.setattr(incident_export, "make_checker", measuring)
    start = IncidentClocks(lib).clock(INCIDENT).start(lib.get(ids["pc-b"]).sha256) + 2.0
    job = dict(layout="1x2", tile=tile, recordings=(ids["pc-b"], ids["pc-a"]), audio=False, report=False)
    run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.5, tmp_path / "ok.mp4", **job))
    redacted = seen["d"]
    monkeypatch.setattr(incident_export, "redact", lambda planes, mask_set, pts, regions=None: [])
    with pytest.raises(LeakDetected):
        run_incident_export(lib, IncidentExportJob(INCIDENT, start, start + 0.5, tmp_path / "bad.mp4", **job))
    skipped = seen["d"]
    assert len(redacted) >= 5 and len(skipped) >= 5  # the moving square crossed the mask on these frames
    worst_ok = max(r / s for r, s in redacted)
    worst_bad = max(s / r for r, s in skipped)
    print(f"\n{effect.kind.value} {tile[0]}x{tile[1]}: judged {len(redacted)}; redacted copy: to redacted max "
          f"{max(r for r, _ in redacted):.2f}, to source min {min(s for _, s in redacted):.2f} (ratio <= "
          f"{worst_ok:.3f}); skipped: to source max {max(s for _, s in skipped):.2f}, to redacted min "
          f"{min(r for r, _ in skipped):.2f} (ratio <= {worst_bad:.3f})")
    assert worst_ok <= DECISIVE and worst_bad <= DECISIVE
