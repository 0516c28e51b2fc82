"""Apply a whole MaskSet to one frame. The editor preview and the export call exactly this."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewer.redact.effects import Region, apply_effect, rasterise
from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Effect, EffectKind, MaskSet, MaskTrack
from reviewer.redact.planes import Planes

BLACK = Effect(EffectKind.SOLID, color=(0, 0, 0))
_STRENGTH_ORDER = {EffectKind.BLUR: 0, EffectKind.PIXELATE: 1, EffectKind.SOLID: 2}


@dataclass(frozen=True)
class Applied:
    """What was redacted on a frame, so the export's leak check can re-examine the same pixels."""

    track_id: str | None  # None for a blackout
    effect: Effect
    region: Region


def effect_of(track: MaskTrack | None) -> Effect:
    return BLACK if track is None else track.effect


def regions_at(mask_set: MaskSet, pts: int, width: int, height: int) -> list[tuple[MaskTrack | None, Region]]:
    out: list[tuple[MaskTrack | None, Region]] = []
    if any(b.contains(pts) for b in mask_set.blackouts):
        out.append((None, Region(0, 0, width, height, np.ones((height, width), bool))))
        return out
    for track in mask_set.tracks:
        points = interpolate(track, pts)
        if points is None:
            continue
        region = rasterise(track.kind, points, width, height, track.padding, track.inverse)
        if not region.empty:
            out.append((track, region))
    # Where masks overlap the strongest effect must win: a blur applied after a solid fill would smear the
    # fill, so blurs go first, then pixelation, then solid fills.
    out.sort(key=lambda tr: _STRENGTH_ORDER[tr[0].effect.kind])
    return out


def redact(planes: Planes, mask_set: MaskSet, pts: int,
           regions: list[tuple[MaskTrack | None, Region]] | None = None) -> list[Applied]:
    """Redact `planes` (in place) as they should look at `pts`; returns what was applied.
    `regions` may be passed when the caller already rasterised them with regions_at() for this pts."""
    applied = []
    if regions is None:
        regions = regions_at(mask_set, pts, planes.width, planes.height)
    for track, region in regions:
        effect = effect_of(track)
        apply_effect(planes, region, effect)
        applied.append(Applied(None if track is None else track.id, effect, region))
    return applied
