"""What a mask operation's payload must be, checked numerically (no footage needed): the form every copy applies,
whether the operation was made here or arrived from the store.

A local change is also checked against the recording's frame table first (validate.check_track: pts inside the
recording, effect strength for the region). A remote one was checked by its author, whose copy had the footage,
and this copy may not have it yet; but nothing that would break rendering ever enters the table: shapes need the
right number of finite points within a sane range and an area, effects and padding their ranges, pts whole numbers.
"""

from __future__ import annotations

import math
from typing import Any

import json

from reviewer.redact.model import STATUSES, Effect, Keyframe, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.validate import AUDIO_MODES, BLACKOUT_MODES, MAX_PADDING, MAX_VERTICES, MaskError

MAX_COORD = 1_000_000.0  # far beyond any picture; keeps the rasteriser's fixed-point maths in range
MAX_PTS = 2**62
TEXT_LIMITS = {"label": 200, "reason": 100, "reason_text": 10_000, "author": 200}
TRACK_FIELDS = ("effect", "padding", "inverse", "label", "reason", "reason_text", "author", "status", "proposal")
MAX_PROPOSAL_BYTES = 2_000_000  # a detector's record of one track: per-sample confidences of an hour's track fit
RANGE_FIELDS = ("span", "mode", "reason")  # span = [start, end]: one field, so two edits never cross it


def pts_of(v: Any, what: str = "pts") -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not -MAX_PTS <= v <= MAX_PTS:
        raise MaskError(f"{what} must be a whole number, got {v!r}")
    return v


def keyframe(kind: ShapeKind, d: Any, who: str = "mask") -> Keyframe:
    """A keyframe from its JSON form, refused unless its shape is drawable."""
    if not isinstance(d, dict) or not isinstance(d.get("points"), list):
        raise MaskError(f"{who}: a keyframe needs pts and a list of points, got {str(d)[:80]!r}")
    pts = pts_of(d.get("pts"), f"{who}: keyframe pts")
    where = f"{who}, keyframe at pts {pts}"
    raw = d["points"]
    if len(raw) > MAX_VERTICES:
        raise MaskError(f"{where}: {len(raw)} points (at most {MAX_VERTICES})")
    need_ok = len(raw) >= 3 if kind is ShapeKind.POLYGON else len(raw) == 2
    if not need_ok:
        raise MaskError(f"{where}: a {kind.value} needs {'at least 3' if kind is ShapeKind.POLYGON else '2'} "
                        f"points, got {len(raw)}")
    points = []
    for p in raw:
        if not (isinstance(p, (list, tuple)) and len(p) == 2
                and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)):
            raise MaskError(f"{where}: a point must be two numbers, got {p!r}")
        x, y = float(p[0]), float(p[1])
        if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= MAX_COORD and abs(y) <= MAX_COORD):
            raise MaskError(f"{where}: coordinates must be finite numbers within {MAX_COORD:g}, got ({x!r}, {y!r})")
        points.append((x, y))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    if not (max(xs) > min(xs) and max(ys) > min(ys)):
        raise MaskError(f"{where}: the shape has no area")
    hidden = d.get("hidden", False)
    if not isinstance(hidden, bool):
        raise MaskError(f"{where}: hidden must be true or false, got {hidden!r}")
    return Keyframe(pts, tuple(points), hidden)


def track_fields(d: dict, who: str = "mask") -> dict:
    """Track properties in their JSON form (the form LWW stores and compares), each checked."""
    out: dict = {}
    for name, v in d.items():
        if name == "effect":
            try:
                out[name] = Effect.from_json(v).to_json()
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise MaskError(f"{who}: bad effect ({exc})") from None
        elif name == "padding":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (
                    math.isfinite(v) and 0.0 <= v <= MAX_PADDING):
                raise MaskError(f"{who}: padding must be a number from 0 to {MAX_PADDING:g}, got {v!r}")
            out[name] = float(v)
        elif name == "inverse":
            if not isinstance(v, bool):
                raise MaskError(f"{who}: inverse must be true or false, got {v!r}")
            out[name] = v
        elif name == "status":
            if v not in STATUSES:
                raise MaskError(f"{who}: status must be one of {', '.join(repr(x) for x in STATUSES)}, got {v!r}")
            out[name] = v
        elif name == "proposal":
            # lenient on content (a newer detector may record more), strict on what could hurt: type and size
            if not isinstance(v, dict) or len(json.dumps(v, separators=(",", ":"))) > MAX_PROPOSAL_BYTES:
                raise MaskError(f"{who}: proposal must be a JSON object of at most {MAX_PROPOSAL_BYTES} bytes")
            out[name] = v
        elif name in TEXT_LIMITS:
            if not isinstance(v, str) or len(v) > TEXT_LIMITS[name]:
                raise MaskError(f"{who}: {name} must be text of at most {TEXT_LIMITS[name]} characters")
            out[name] = v
        else:
            raise MaskError(f"{who}: masks have no property {name!r}")
    return out


def track_json(t: MaskTrack) -> dict:
    """The property fields of a track in their JSON form."""
    d = t.to_json()
    return {k: d[k] for k in TRACK_FIELDS if k in d}  # status and proposal only when set (MaskTrack.to_json)


def track(d: Any) -> MaskTrack:
    """A whole track (mask_track.create's payload), every part checked."""
    if not isinstance(d, dict):
        raise MaskError("a mask must be a JSON object")
    who = f"mask {str(d.get('id'))[:36]}"
    try:
        kind = ShapeKind(d.get("kind"))
    except ValueError:
        raise MaskError(f"{who}: unknown shape {d.get('kind')!r}") from None
    fields = track_fields({k: d[k] for k in TRACK_FIELDS if k in d}, who)
    kfs = d.get("keyframes")
    if not isinstance(kfs, list) or not kfs:
        raise MaskError(f"{who}: has no keyframes (at least one is needed)")
    keyframes = tuple(keyframe(kind, k, who) for k in kfs)
    try:
        return MaskTrack(kind, keyframes, effect=Effect.from_json(fields.get("effect", {})),
                         padding=fields.get("padding", 0.0), inverse=fields.get("inverse", False),
                         label=fields.get("label", ""), reason=fields.get("reason", ""),
                         reason_text=fields.get("reason_text", ""), author=fields.get("author", ""),
                         id=str(d.get("id")), status=fields.get("status", ""), proposal=fields.get("proposal"))
    except ValueError as exc:
        raise MaskError(f"{who}: {exc}") from None


def range_fields(kind: str, d: dict, who: str) -> dict:
    out: dict = {}
    for name, v in d.items():
        if name == "span":
            if not isinstance(v, (list, tuple)) or len(v) != 2:
                raise MaskError(f"{who}: span must be [start pts, end pts]")
            a, b = pts_of(v[0], f"{who}: start pts"), pts_of(v[1], f"{who}: end pts")
            if b < a:
                raise MaskError(f"{who}: ends (pts {b}) before it starts (pts {a})")
            out[name] = [a, b]
        elif name == "mode":
            modes = BLACKOUT_MODES if kind == "blackout" else AUDIO_MODES
            if v not in modes:
                raise MaskError(f"{who}: mode must be {' or '.join(modes)}, got {v!r}")
            out[name] = v
        elif name == "reason":
            if not isinstance(v, str) or len(v) > 10_000:
                raise MaskError(f"{who}: reason must be text of at most 10000 characters")
            out[name] = v
        else:
            raise MaskError(f"{who}: redaction ranges have no field {name!r}")
    return out


def range_json(r: PtsRange) -> dict:
    return {"span": [r.start_pts, r.end_pts], "mode": r.mode, "reason": r.reason}


def range_kind(v: Any) -> str:
    if v not in ("blackout", "audio"):
        raise MaskError(f"range kind must be blackout or audio, got {v!r}")
    return v


def seen_ids(payload: dict) -> list[str]:
    seen = payload.get("seen", [])
    if not isinstance(seen, list) or not all(isinstance(x, str) and 0 < len(x) <= 36 for x in seen):
        raise MaskError("a deletion's seen must be a list of operation ids")
    return seen
