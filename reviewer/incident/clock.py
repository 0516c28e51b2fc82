"""The incident clock: "at incident time t, which frame of each recording?" and back (issue 13 s.1; ADR 0019).

Incident time is seconds from the incident's origin, the earliest camera start among its recordings (the first
frame of the earliest camera as its clock says). Recording r's media time 0 sits at

    start(r) = (camera_start(r) - origin) + offset(r)      (camera_start unknown: 0 + offset)

and its media clock runs (1 + drift_ppm e-6) media seconds per incident second, so

    media(r, t) = (t - start(r)) * (1 + drift)      t = start(r) + media / (1 + drift)

Frames come from each recording's frame table (ADR 0003): the frame on screen at that media time, so a grid of
players and a composite export agree on every tile's exact frame. Pure and Qt-free; no footage is read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from reviewer.media.frametable import FrameTable


@dataclass(frozen=True)
class FrameAt:
    key: str  # the recording's SHA-256
    index: int | None  # the exact frame on screen; None: the recording is not running at that time
    pts: int | None
    media_time: float  # may be negative or past the end (then index is None)


@dataclass(frozen=True)
class Placement:
    key: str  # SHA-256
    recording_id: str
    file_name: str
    camera_start: dt.datetime | None
    offset_us: int = 0
    drift_ppm: float = 0.0
    source: str = "clock"  # clock | manual | audio
    confidence: float | None = None
    duration: float = 0.0  # media seconds
    has_audio: bool = True
    table: FrameTable | None = field(default=None, compare=False, repr=False)

    @property
    def rate(self) -> float:
        return 1.0 + self.drift_ppm * 1e-6


@dataclass(frozen=True)
class IncidentClock:
    reference: str  # the incident reference (case number)
    origin: dt.datetime | None  # incident time 0 (None: no recording has a camera start)
    placements: tuple[Placement, ...]

    # ---- placement ---------------------------------------------------------------------------------------------
    def get(self, key: str) -> Placement:
        for p in self.placements:
            if p.key == key or p.recording_id == key:
                return p
        raise KeyError(key)

    def camera_part(self, p: Placement) -> float:
        """Where the camera's own clock puts its first frame, in incident seconds (0 when it has none)."""
        if p.camera_start is None or self.origin is None:
            return 0.0
        return (p.camera_start - self.origin).total_seconds()

    def start(self, key: str) -> float:
        p = self.get(key)
        return self.camera_part(p) + p.offset_us / 1e6

    def end(self, key: str) -> float:
        p = self.get(key)
        return self.start(key) + p.duration / p.rate

    def offset_for_start(self, key: str, start: float) -> int:
        """The offset (microseconds) that puts recording `key`'s first frame at incident time `start`."""
        return int(round((start - self.camera_part(self.get(key))) * 1e6))

    def wall_time(self, t: float) -> dt.datetime | None:
        """Incident time as a date-time on the origin camera's clock."""
        return None if self.origin is None else self.origin + dt.timedelta(seconds=t)

    # ---- mapping -----------------------------------------------------------------------------------------------
    def media_time(self, key: str, t: float) -> float:
        p = self.get(key)
        return (t - self.start(key)) * p.rate

    def incident_time(self, key: str, media_time: float) -> float:
        p = self.get(key)
        return self.start(key) + media_time / p.rate

    def frame_at(self, key: str, t: float) -> FrameAt:
        """The exact frame recording `key` shows at incident time t (its frame table must be bound)."""
        p = self.get(key)
        if p.table is None:
            raise ValueError(f"recording {p.recording_id[:8]} ({p.file_name}) has no frame table bound")
        m = self.media_time(key, t)
        if m < 0 or m >= p.table.duration:
            return FrameAt(p.key, None, None, m)
        i = p.table.index_at_media_time(m)
        return FrameAt(p.key, i, p.table.pts_of(i), m)

    def frames_at(self, t: float) -> dict[str, FrameAt]:
        """Every bound recording's frame at incident time t, by SHA-256."""
        return {p.key: self.frame_at(p.key, t) for p in self.placements if p.table is not None}

    def time_of_frame(self, key: str, index: int) -> float:
        """Incident time at which frame `index` of recording `key` appears: frame_at that time is that frame."""
        p = self.get(key)
        if p.table is None:
            raise ValueError(f"recording {p.recording_id[:8]} ({p.file_name}) has no frame table bound")
        t = self.incident_time(key, p.table.media_time(index))
        if self.frame_at(key, t).index != index:
            t += 1e-6  # the float round trip landed a hair before the frame's pts; a microsecond is inside it
        return t

    def span(self) -> tuple[float, float]:
        """The incident time from the first recording's start to the last one's end."""
        if not self.placements:
            return 0.0, 0.0
        return (min(self.start(p.key) for p in self.placements), max(self.end(p.key) for p in self.placements))

    # ---- binding ------------------------------------------------------------------------------------------------
    def bind(self, tables: dict[str, FrameTable]) -> "IncidentClock":
        """The same clock with frame tables (by SHA-256) attached, for frame_at/time_of_frame."""
        return replace(self, placements=tuple(
            replace(p, table=tables.get(p.key, p.table)) for p in self.placements))

    def with_offset(self, key: str, offset_us: int, drift_ppm: float | None = None) -> "IncidentClock":
        """A what-if copy (e.g. a proposal shown before it is accepted)."""
        return replace(self, placements=tuple(
            replace(p, offset_us=offset_us, drift_ppm=p.drift_ppm if drift_ppm is None else drift_ppm)
            if p.key == key else p for p in self.placements))
