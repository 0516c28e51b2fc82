"""Reading a mask file (docs/masks-schema.md) strictly: every value is checked for type and range before a
MaskTrack or PtsRange is built, and every problem is one MaskError naming where in the file it is. The model's
own from_json stays lenient for the library's stored rows; files from outside go through here."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path

from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskSet, MaskTrack, PtsRange, ShapeKind
from reviewer.redact.validate import (AUDIO_MODES, BLACKOUT_MODES, MAX_VERTICES, Bounds, MaskError, check_range,
                                     check_track)

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_RECORDS = 10_000  # tracks, blackouts and audio ranges each
MAX_TEXT = 2000


def _reject_constant(name: str):
    raise MaskError(f"{name} is not a number JSON allows")


def _int(v, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise MaskError(f"{where}: must be a whole number, got {v!r:.40}")
    return v


def _num(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise MaskError(f"{where}: must be a number, got {v!r:.40}")
    try:
        f = float(v)
    except OverflowError:
        raise MaskError(f"{where}: number too large") from None
    if not math.isfinite(f):
        raise MaskError(f"{where}: must be a finite number, got {v!r:.40}")
    return f


def _str(d: dict, key: str, where: str, default: str = "", limit: int = MAX_TEXT) -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise MaskError(f"{where}.{key}: must be text, got {v!r:.40}")
    if len(v) > limit:
        raise MaskError(f"{where}.{key}: too long ({len(v)} characters; at most {limit})")
    return v


def _obj(v, where: str) -> dict:
    if not isinstance(v, dict):
        raise MaskError(f"{where}: must be an object, got {type(v).__name__}")
    return v


def _list(d: dict, key: str, where: str) -> list:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise MaskError(f"{where}{key}: must be a list, got {type(v).__name__}")
    if len(v) > MAX_RECORDS:
        raise MaskError(f"{where}{key}: {len(v)} entries (at most {MAX_RECORDS})")
    return v


def _choice(v, allowed, where: str) -> str:
    if not isinstance(v, str) or v not in allowed:
        raise MaskError(f"{where}: must be one of {', '.join(allowed)}, got {v!r:.40}")
    return v


def _id(d: dict, where: str) -> str:
    v = d.get("id")
    if v is None or v == "":
        return str(uuid.uuid4())
    if not isinstance(v, str) or len(v) > 64:
        raise MaskError(f"{where}.id: must be text of at most 64 characters, got {v!r:.40}")
    return v


def _effect(v, where: str) -> Effect:
    d = _obj(v, where)
    kind = EffectKind(_choice(d.get("kind", "solid"), [k.value for k in EffectKind], f"{where}.kind"))
    strength = _int(d.get("strength", 25), f"{where}.strength")
    if not 1 <= strength <= 200:
        raise MaskError(f"{where}.strength: must be 1-200, got {strength}")
    color = d.get("color", [0, 0, 0])
    if not isinstance(color, list) or len(color) != 3:
        raise MaskError(f"{where}.color: must be three values 0-255")
    rgb = tuple(_int(c, f"{where}.color") for c in color)
    if not all(0 <= c <= 255 for c in rgb):
        raise MaskError(f"{where}.color: must be three values 0-255, got {list(rgb)}")
    return Effect(kind, strength, rgb)  # type: ignore[arg-type]


def _keyframe(v, where: str, b: Bounds, max_points: int) -> Keyframe:
    d = _obj(v, where)
    pts = _int(d.get("pts"), f"{where}.pts")
    if not b.first_pts <= pts <= b.last_pts:
        raise MaskError(f"{where}.pts: {pts} is outside the recording ({b.first_pts} to {b.last_pts})")
    raw = d.get("points")
    if not isinstance(raw, list):
        raise MaskError(f"{where}.points: must be a list of [x, y] pairs")
    if len(raw) > max_points:
        raise MaskError(f"{where}.points: {len(raw)} points (at most {max_points})")
    points = []
    for n, p in enumerate(raw):
        if not isinstance(p, list) or len(p) != 2:
            raise MaskError(f"{where}.points[{n}]: must be an [x, y] pair")
        points.append((_num(p[0], f"{where}.points[{n}][0]"), _num(p[1], f"{where}.points[{n}][1]")))
    hidden = d.get("hidden", False)
    if not isinstance(hidden, bool):
        raise MaskError(f"{where}.hidden: must be true or false")
    return Keyframe(pts, tuple(points), hidden)


def _track(v, where: str, b: Bounds) -> MaskTrack:
    d = _obj(v, where)
    kind = ShapeKind(_choice(d.get("kind"), [k.value for k in ShapeKind], f"{where}.kind"))
    raw = d.get("keyframes")
    if not isinstance(raw, list) or not raw:
        raise MaskError(f"{where}.keyframes: at least one keyframe is needed")
    if len(raw) > b.frames:
        raise MaskError(f"{where}.keyframes: {len(raw)} keyframes for a recording of {b.frames} frames")
    kfs = tuple(_keyframe(k, f"{where}.keyframes[{n}]", b, MAX_VERTICES) for n, k in enumerate(raw))
    inverse = d.get("inverse", False)
    if not isinstance(inverse, bool):
        raise MaskError(f"{where}.inverse: must be true or false")
    reason = _str(d, "reason", where, "other")
    try:
        track = MaskTrack(kind=kind, keyframes=kfs, effect=_effect(d.get("effect", {}), f"{where}.effect"),
                          padding=_num(d.get("padding", 0.0), f"{where}.padding"), inverse=inverse,
                          label=_str(d, "label", where, limit=200), reason=reason,
                          reason_text=_str(d, "reason_text", where), author=_str(d, "author", where, limit=200),
                          id=_id(d, where))
    except MaskError:
        raise
    except ValueError as exc:  # the model's own invariants: duplicate pts, too few points
        raise MaskError(f"{where}: {exc}") from None
    try:
        check_track(track, b)
    except MaskError as exc:
        raise MaskError(f"{where}: {exc}") from None
    return track


def _range(v, where: str, kind: str, b: Bounds) -> PtsRange:
    d = _obj(v, where)
    modes = BLACKOUT_MODES if kind == "blackout" else AUDIO_MODES
    mode = _choice(d.get("mode", modes[0] if kind == "blackout" else None), modes, f"{where}.mode")
    start, end = _int(d.get("start_pts"), f"{where}.start_pts"), _int(d.get("end_pts"), f"{where}.end_pts")
    if end < start:
        raise MaskError(f"{where}: ends (pts {end}) before it starts (pts {start})")
    r = PtsRange(start, end, _str(d, "reason", where, "other"), mode, _id(d, where))
    try:
        check_range(kind, r, b)
    except MaskError as exc:
        raise MaskError(f"{where}: {exc}") from None
    return r


def parse(data, b: Bounds) -> MaskSet:
    """A MaskSet from decoded JSON, or MaskError naming the first problem."""
    d = _obj(data, "the file")
    tracks = tuple(_track(t, f"tracks[{n}]", b) for n, t in enumerate(_list(d, "tracks", "")))
    blackouts = tuple(_range(r, f"blackouts[{n}]", "blackout", b) for n, r in enumerate(_list(d, "blackouts", "")))
    audio = tuple(_range(r, f"audio[{n}]", "audio", b) for n, r in enumerate(_list(d, "audio", "")))
    return MaskSet(tracks, blackouts, audio)


def read(path: Path, b: Bounds) -> MaskSet:
    """Read and check a mask file; every failure is a MaskError starting with the file's name."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise MaskError(f"too large ({size} bytes; at most {MAX_FILE_BYTES})")
        text = path.read_bytes().decode("utf-8")
        data = json.loads(text, parse_constant=_reject_constant)
        return parse(data, b)
    except FileNotFoundError:
        raise MaskError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise MaskError(f"{path}: is a folder, not a mask file") from None
    except UnicodeDecodeError as exc:
        raise MaskError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise MaskError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise MaskError(f"{path}: nested too deeply to be a mask file") from None
    except MaskError as exc:
        raise MaskError(f"{path}: not a valid mask file: {exc}; see docs/masks-schema.md") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python will parse
        raise MaskError(f"{path}: not a valid mask file ({exc}); see docs/masks-schema.md") from None
