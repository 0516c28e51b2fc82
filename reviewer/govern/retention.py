"""Retention: the policy table, and how long each recording is kept.

Rules, in order:
- a recording under an active legal hold is never deleted;
- a recording with an active evidential mark (on itself or one of its clips) is kept until its review date:
  the mark's time plus the period of the mark's category (the "evidential" row when the category has none);
  at the review date it is due for review by a person, never deleted automatically;
- any other recording is due for deletion `non_evidential` days after it was recorded: the earlier of the
  camera start and the import time (footage cannot have been recorded after it reached the library). Clearing
  a mark therefore puts a recording straight back on its original 31-day clock, counted from that date.

The camera start comes from a sidecar or the container, which anyone can write: a start far in the future
(2098: dates up to 2099 are accepted) would otherwise keep footage for decades. A start more than
FUTURE_TOLERANCE after the import is flagged at import (an audit event) and ignored here, so the clock runs
from the import.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer.annotate.undo import Command
from reviewer.errors import NotFound, ReviewerError
from reviewer.govern.gated import gated, read_only
from reviewer.govern.justification import clean_reason
from reviewer.govern.roles import Action
from reviewer.govern.state import with_state
from reviewer.library.models import Recording, utcnow
from reviewer.library.models_govern import EvidentialMark, LegalHold, RetentionPolicy

NON_EVIDENTIAL = "non_evidential"
EVIDENTIAL = "evidential"
DEFAULT_DAYS = {NON_EVIDENTIAL: 31, EVIDENTIAL: 2557}  # 31 days; 7 years
BASE_CATEGORIES = (NON_EVIDENTIAL, EVIDENTIAL)
MAX_DAYS = 100 * 366
DAY = dt.timedelta(days=1)
# camera clocks drift and time zones get mislabelled; beyond a day ahead of the import it is not a clock error
FUTURE_TOLERANCE = dt.timedelta(hours=24)

# states of RetentionStatus
HELD, EVIDENTIAL_KEPT, REVIEW_DUE, RETAINED, DUE = "held", "evidential", "review_due", "retained", "due"


@dataclass(frozen=True)
class PolicyView:
    category: str
    days: int
    updated_at: dt.datetime
    updated_by: str

    def to_json(self) -> dict:
        return {"category": self.category, "days": self.days, "updated_at": self.updated_at.isoformat(),
                "updated_by": self.updated_by}


@dataclass(frozen=True)
class RetentionStatus:
    recording_id: str
    file_name: str
    sha256: str
    state: str  # held | evidential | review_due | retained | due
    rule: str  # the policy category that decides
    recorded_at: dt.datetime  # camera start, or import time when unknown
    recorded_at_source: str  # "camera" | "import"
    deadline: dt.datetime | None  # deletion (non-evidential) or review (evidential) date; None while held
    days_left: int | None  # whole days to the deadline; negative once passed
    held: bool
    evidential: bool
    references: tuple[str, ...] = ()
    camera_start_ignored: bool = False  # the camera start was in the future (flagged at import)

    @property
    def due(self) -> bool:
        """Retention would delete it now."""
        return self.state == DUE

    def to_json(self) -> dict:
        return {"recording_id": self.recording_id, "file_name": self.file_name, "sha256": self.sha256,
                "state": self.state, "rule": self.rule, "recorded_at": self.recorded_at.isoformat(),
                "recorded_at_source": self.recorded_at_source,
                "deadline": self.deadline.isoformat() if self.deadline else None, "days_left": self.days_left,
                "held": self.held, "evidential": self.evidential, "references": list(self.references),
                "camera_start_ignored": self.camera_start_ignored}


def days_left(deadline: dt.datetime, now: dt.datetime) -> int:
    return math.floor((deadline - now) / DAY)


def camera_start_in_future(camera_start: dt.datetime | None, imported_at: dt.datetime) -> bool:
    return camera_start is not None and camera_start > imported_at + FUTURE_TOLERANCE


def clock_start(camera_start: dt.datetime | None, imported_at: dt.datetime) -> tuple[dt.datetime, str]:
    """When the retention clock starts, and from what: the earlier of the camera start and the import time;
    the import time alone when the camera start is unknown or in the future."""
    if camera_start is None or camera_start_in_future(camera_start, imported_at) or imported_at < camera_start:
        return imported_at, "import"
    return camera_start, "camera"


def decide(rec: Recording, marks: list[EvidentialMark], held: bool, policies: dict[str, int],
           now: dt.datetime) -> RetentionStatus:
    """The retention status of one recording: a pure function of its rows, the policy table and the time."""
    recorded, source = clock_start(rec.camera_start, rec.imported_at)
    refs = tuple(sorted({m.reference for m in marks}))
    common = dict(recording_id=rec.id, file_name=rec.file_name, sha256=rec.sha256, recorded_at=recorded,
                  recorded_at_source=source, held=held, evidential=bool(marks), references=refs,
                  camera_start_ignored=camera_start_in_future(rec.camera_start, rec.imported_at))
    if held:
        return RetentionStatus(state=HELD, rule="legal hold", deadline=None, days_left=None, **common)
    if marks:
        def review(m: EvidentialMark) -> tuple[dt.datetime, str]:
            rule = m.category if m.category in policies else EVIDENTIAL
            return m.marked_at + policies.get(rule, DEFAULT_DAYS[EVIDENTIAL]) * DAY, rule

        deadline, rule = max(review(m) for m in marks)
        state = REVIEW_DUE if now >= deadline else EVIDENTIAL_KEPT
        return RetentionStatus(state=state, rule=rule, deadline=deadline, days_left=days_left(deadline, now),
                               **common)
    deadline = recorded + policies.get(NON_EVIDENTIAL, DEFAULT_DAYS[NON_EVIDENTIAL]) * DAY
    return RetentionStatus(state=DUE if now >= deadline else RETAINED, rule=NON_EVIDENTIAL, deadline=deadline,
                           days_left=days_left(deadline, now), **common)


def load_policies(s: Session) -> dict[str, int]:
    rows = s.execute(select(RetentionPolicy.category, RetentionPolicy.days)
                     .where(RetentionPolicy.deleted_at.is_(None))).all()
    return {**DEFAULT_DAYS, **{c: d for c, d in rows}}


def statuses(s: Session, now: dt.datetime, recording_ids: list[str] | None = None) -> list[RetentionStatus]:
    """Statuses of live recordings, soonest deadline first (held ones last)."""
    q = select(Recording).where(Recording.deleted_at.is_(None))
    if recording_ids is not None:
        q = q.where(Recording.id.in_(recording_ids))
    recs = s.scalars(q).all()
    wanted = select(Recording.id).where(Recording.id.in_(recording_ids)) if recording_ids is not None else None
    mq = select(EvidentialMark).where(EvidentialMark.cleared_at.is_(None), EvidentialMark.deleted_at.is_(None))
    hq = select(LegalHold.recording_id).where(LegalHold.released_at.is_(None), LegalHold.deleted_at.is_(None))
    if wanted is not None:
        mq, hq = mq.where(EvidentialMark.recording_id.in_(wanted)), hq.where(LegalHold.recording_id.in_(wanted))
    marks: dict[str, list[EvidentialMark]] = {}
    for m in s.scalars(mq):
        marks.setdefault(m.recording_id, []).append(m)
    held = set(s.scalars(hq))
    policies = load_policies(s)
    out = [decide(r, marks.get(r.id, []), r.id in held, policies, now) for r in recs]
    far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return sorted(out, key=lambda st: (st.deadline or far, st.recording_id))


class Policies:
    """The supervisor-editable policy table. Changes are audited and undoable (library.gov.undo)."""

    def __init__(self, gov):
        self.gov = gov

    @read_only
    def list(self) -> list[PolicyView]:
        with self.gov.sessions() as s:
            rows = s.scalars(select(RetentionPolicy).where(RetentionPolicy.deleted_at.is_(None))
                             .order_by(RetentionPolicy.category)).all()
            return [PolicyView(r.category, r.days, r.updated_at, r.updated_by) for r in rows]

    @gated(Action.CHANGE_RETENTION)
    def set(self, category: str, days: int | None, reason: str | None = None) -> PolicyView | None:
        """Set a category's period in days, or remove a category's own row with days=None (it then falls back
        to "evidential"). The two base rows cannot be removed."""
        category = " ".join((category or "").split()).lower()
        if not category or len(category) > 100:
            raise ReviewerError("a retention category needs 1 to 100 characters")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS):
            raise ReviewerError(f"retention period for {category!r} must be a whole number of days from 1 to "
                                f"{MAX_DAYS}, got {days!r}")
        if days is None and category in BASE_CATEGORIES:
            raise ReviewerError(f"the {category!r} retention period can be changed but not removed")
        reason = clean_reason(reason)
        state: dict = {}

        def do() -> None:
            if "previous" in state:
                self._apply(category, days, reason, via="redo")
            else:
                state["previous"] = self._apply(category, days, reason)

        self.gov.undo.push(Command(f"retention period of {category}", do,
                                   lambda: self._apply(category, state["previous"], reason, via="undo")))
        return next((p for p in self.list() if p.category == category), None)

    def _apply(self, category: str, days: int | None, reason: str | None, via: str | None = None) -> int | None:
        gov = self.gov
        with gov.write() as s:
            gov.require(Action.CHANGE_RETENTION, "retention_policy", category, {"days": days}, s=s)
            row = s.scalar(select(RetentionPolicy).where(RetentionPolicy.category == category))
            previous = row.days if row is not None and row.deleted_at is None else None
            if previous == days:
                return previous
            if days is None:
                if row is None or row.deleted_at is not None:
                    raise NotFound(f"no retention period of its own for {category!r}")
                row.deleted_at = utcnow()
            elif row is None:
                row = RetentionPolicy(category=category, days=days, updated_by=gov.actor)
                s.add(row)
            else:
                row.days, row.deleted_at = days, None
            if row.revision:
                row.touch(gov.actor)
            s.flush()
            gov.record(s, "retention_policy", category, "retention.policy_set", justification=reason,
                       details=with_state({"category": category, "days": days, "previous_days": previous,
                                           "via": via}, row))
            gov.notify("retention_changed", {"category": category})
            return previous
