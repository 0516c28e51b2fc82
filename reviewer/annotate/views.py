"""Immutable snapshots of annotations, safe to hand to any thread or to the UI."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass


def _jsonable(obj) -> dict:
    d = dataclasses.asdict(obj)
    for k, v in d.items():
        if isinstance(v, dt.datetime):
            d[k] = v.isoformat()
        elif isinstance(v, tuple):
            d[k] = list(v)
    return d


@dataclass(frozen=True, slots=True)  # thousands live at once after a sync: no __dict__ each for the collector
class BookmarkView:
    id: str
    recording_id: str
    pts: int  # the exact presented frame; FrameTable.index_of_pts(pts) gives its index
    title: str
    note: str
    category: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str
    revision: int
    deleted: bool = False
    group_id: str | None = None  # made in the multi-camera grid: shared by the bookmark of each camera
    incident_us: int | None = None  # the incident time it was made at (microseconds from the incident origin)

    def to_json(self) -> dict:
        return _jsonable(self)


@dataclass(frozen=True, slots=True)
class ClipView:
    id: str
    recording_id: str
    name: str
    in_pts: int  # inclusive
    out_pts: int  # inclusive
    purpose: str  # "evidential" | "training" | "disclosure"
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str
    revision: int
    evidential_mark_id: str | None = None  # the active mark on this clip, if any
    deleted: bool = False

    @property
    def evidential(self) -> bool:
        return self.evidential_mark_id is not None

    def to_json(self) -> dict:
        return {**_jsonable(self), "evidential": self.evidential}


@dataclass(frozen=True)
class EvidentialMarkView:
    id: str
    recording_id: str
    clip_id: str | None  # None: the whole recording
    clip_name: str | None
    reference: str  # incident or crime reference
    category: str
    reason: str
    marked_by: str
    marked_at: dt.datetime
    cleared_by: str | None
    cleared_at: dt.datetime | None
    clear_reason: str | None
    revision: int

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    def to_json(self) -> dict:
        return {**_jsonable(self), "active": self.active}


@dataclass(frozen=True)
class HoldView:
    id: str
    recording_id: str
    reason: str
    set_by: str
    set_at: dt.datetime
    released_by: str | None
    released_at: dt.datetime | None
    release_reason: str | None
    revision: int

    @property
    def active(self) -> bool:
        return self.released_at is None

    def to_json(self) -> dict:
        return {**_jsonable(self), "active": self.active}
