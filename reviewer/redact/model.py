"""Qt-free data model of redaction: shapes, effects, keyframes, tracks, blackout and audio ranges.

Keyframes are keyed by pts (never by frame number), so a change of frame rate or an edit list cannot shift them.
Geometry is in source pixels of the full frame. Rectangles and ellipses are stored as their two corner points
(top-left, bottom-right) so that one interpolation rule, vertex by vertex, serves every shape.
"""

from __future__ import annotations

import bisect
import enum
import uuid
from dataclasses import dataclass, field, replace
from typing import Sequence

Point = tuple[float, float]


class ShapeKind(str, enum.Enum):
    RECT = "rect"
    ELLIPSE = "ellipse"
    POLYGON = "polygon"


class EffectKind(str, enum.Enum):
    BLUR = "blur"
    PIXELATE = "pixelate"
    SOLID = "solid"


# A detector's proposal (issue 14) is a track with status "proposed": listed for review, never applied to the
# preview or an export until "accepted"; "rejected" keeps it for the coverage review. "" is a drawn mask.
PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"
STATUSES = ("", PROPOSED, ACCEPTED, REJECTED)
APPLIED = ("", ACCEPTED)

REASONS = (
    "third-party face",
    "vehicle registration",
    "screen or document",
    "personal data",
    "other",
)


@dataclass(frozen=True)
class Effect:
    kind: EffectKind = EffectKind.SOLID
    strength: int = 25  # blur: kernel size as % of the region's short side (min 9 px); pixelate: block size in px
    color: tuple[int, int, int] = (0, 0, 0)  # solid fill, RGB

    def to_json(self) -> dict:
        return {"kind": self.kind.value, "strength": self.strength, "color": list(self.color)}

    @classmethod
    def from_json(cls, d: dict) -> "Effect":
        color = tuple(int(c) for c in d.get("color", (0, 0, 0)))
        if len(color) != 3 or not all(0 <= c <= 255 for c in color):
            raise ValueError(f"effect colour must be three values 0-255, got {d.get('color')!r}")
        strength = int(d.get("strength", 25))
        if not 1 <= strength <= 200:
            raise ValueError(f"effect strength must be 1-200, got {strength}")
        return cls(EffectKind(d.get("kind", "solid")), strength, color)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Keyframe:
    pts: int
    points: tuple[Point, ...]  # rect/ellipse: (top-left, bottom-right); polygon: vertices in order
    hidden: bool = False  # the subject is out of view from this frame on (until the next visible keyframe)

    def to_json(self) -> dict:
        return {"pts": self.pts, "points": [list(p) for p in self.points], "hidden": self.hidden}

    @classmethod
    def from_json(cls, d: dict) -> "Keyframe":
        pts = [(float(x), float(y)) for x, y in d["points"]]
        return cls(int(d["pts"]), tuple(pts), bool(d.get("hidden", False)))


@dataclass(frozen=True, eq=False)
class MaskTrack:
    """One subject to hide over time. Immutable: edits make a new track (cheap to diff, safe across threads)."""

    kind: ShapeKind
    keyframes: tuple[Keyframe, ...]
    effect: Effect = Effect()
    padding: float = 0.0  # grow the region by this fraction of its size on every side
    inverse: bool = False  # redact everything except the region
    label: str = ""
    reason: str = ""  # "" = not given yet: the export refuses the set until every mask has one (reasons.py)
    reason_text: str = ""
    author: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = ""  # STATUSES; only applied ("" or accepted) tracks redact
    proposal: dict | None = field(default=None, compare=False)  # the detector's record (reviewer/detect/proposals.py)
    _pts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.keyframes, key=lambda k: k.pts))
        if len({k.pts for k in ordered}) != len(ordered):
            raise ValueError("a track cannot hold two keyframes at the same pts")
        for k in ordered:
            need = 3 if self.kind is ShapeKind.POLYGON else 2
            if len(k.points) < need or (self.kind is not ShapeKind.POLYGON and len(k.points) != 2):
                raise ValueError(f"{self.kind.value} keyframe at pts {k.pts} has {len(k.points)} points")
        object.__setattr__(self, "keyframes", ordered)
        object.__setattr__(self, "_pts", tuple(k.pts for k in ordered))

    # ---- queries --------------------------------------------------------------------------------------------
    @property
    def pts_list(self) -> tuple[int, ...]:
        return self._pts

    @property
    def start_pts(self) -> int | None:
        return self._pts[0] if self._pts else None

    @property
    def end_pts(self) -> int | None:
        return self._pts[-1] if self._pts else None

    def keyframe_at(self, pts: int) -> Keyframe | None:
        i = bisect.bisect_left(self._pts, pts)
        return self.keyframes[i] if i < len(self._pts) and self._pts[i] == pts else None

    # ---- edits (each returns a new track) ---------------------------------------------------------------------
    def with_keyframe(self, kf: Keyframe) -> "MaskTrack":
        rest = [k for k in self.keyframes if k.pts != kf.pts]
        return replace(self, keyframes=tuple(rest + [kf]))

    def without_keyframe(self, pts: int) -> "MaskTrack":
        return replace(self, keyframes=tuple(k for k in self.keyframes if k.pts != pts))

    def with_keyframes(self, kfs: Sequence[Keyframe]) -> "MaskTrack":
        new = {k.pts: k for k in self.keyframes}
        new.update({k.pts: k for k in kfs})
        return replace(self, keyframes=tuple(new.values()))

    def edited(self, **changes) -> "MaskTrack":
        return replace(self, **changes)

    # ---- exchange -------------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "id": self.id, "kind": self.kind.value, "effect": self.effect.to_json(), "padding": self.padding,
            "inverse": self.inverse, "label": self.label, "reason": self.reason, "reason_text": self.reason_text,
            "author": self.author, "keyframes": [k.to_json() for k in self.keyframes],
            # only when set: a drawn mask's JSON (and so every existing mask set's hash) stays as it was
            **({"status": self.status} if self.status else {}),
            **({"proposal": self.proposal} if self.proposal is not None else {}),
        }

    @classmethod
    def from_json(cls, d: dict) -> "MaskTrack":
        return cls(
            kind=ShapeKind(d["kind"]),
            keyframes=tuple(Keyframe.from_json(k) for k in d.get("keyframes", [])),
            effect=Effect.from_json(d.get("effect", {})),
            padding=float(d.get("padding", 0.0)),
            inverse=bool(d.get("inverse", False)),
            label=str(d.get("label", "")),
            reason=str(d.get("reason") or ""),  # never a silent default: it goes into the court report
            reason_text=str(d.get("reason_text", "")),
            author=str(d.get("author", "")),
            id=str(d.get("id") or uuid.uuid4()),
            status=str(d.get("status") or ""),
            proposal=d.get("proposal") if isinstance(d.get("proposal"), dict) else None,
        )

    @property
    def applied(self) -> bool:
        return self.status in APPLIED


@dataclass(frozen=True)
class PtsRange:
    """Inclusive range of presentation timestamps with a reason (blackouts, audio redactions)."""

    start_pts: int
    end_pts: int
    reason: str = "other"
    mode: str = "black"  # blackout: "black"; audio: "mute" or "bleep"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        if self.end_pts < self.start_pts:
            raise ValueError("range ends before it starts")

    def contains(self, pts: int) -> bool:
        return self.start_pts <= pts <= self.end_pts


@dataclass(frozen=True)
class MaskSet:
    """Everything that redacts one recording: the input to the preview and to the export alike."""

    tracks: tuple[MaskTrack, ...] = ()
    blackouts: tuple[PtsRange, ...] = ()
    audio: tuple[PtsRange, ...] = ()


def range_to_json(r: PtsRange) -> dict:
    return {"id": r.id, "start_pts": r.start_pts, "end_pts": r.end_pts, "reason": r.reason, "mode": r.mode}


def range_from_json(d: dict) -> PtsRange:
    return PtsRange(int(d["start_pts"]), int(d["end_pts"]), str(d.get("reason", "other")), str(d.get("mode", "black")),
                    str(d.get("id") or uuid.uuid4()))


def mask_set_to_json(ms: MaskSet) -> dict:
    return {
        "tracks": [t.to_json() for t in ms.tracks],
        "blackouts": [range_to_json(r) for r in ms.blackouts],
        "audio": [range_to_json(r) for r in ms.audio],
    }


def mask_set_from_json(d: dict) -> MaskSet:
    audio = tuple(range_from_json(r) for r in d.get("audio", []))
    for r in audio:
        if r.mode not in ("mute", "bleep"):
            raise ValueError(f"audio redaction mode must be mute or bleep, got {r.mode!r}")
    return MaskSet(
        tracks=tuple(MaskTrack.from_json(t) for t in d.get("tracks", [])),
        blackouts=tuple(range_from_json(r) for r in d.get("blackouts", [])),
        audio=audio,
    )
