"""Finding recordings: words over officer, device, incident reference and file name; a camera-time range."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, and_, or_, select

from reviewer.library.models import Incident, Recording


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _aware(t: dt.datetime | None, what: str) -> dt.datetime | None:
    if t is not None and (t.tzinfo is None or t.utcoffset() is None):
        raise ValueError(f"{what} {t.isoformat()} has no time zone; pass an aware (UTC) datetime")
    return t


def recordings_query(
    text: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    incident: str | None = None,
) -> Select:
    """Live recordings with their incident reference, newest camera start first (unknown start last).

    Every word of `text` must appear (case-insensitively) in at least one of the searched fields. A date range
    applies to the camera start time, inclusive at both ends; recordings with no known start never match one.
    """
    since, until = _aware(since, "since"), _aware(until, "until")
    q = (
        select(Recording, Incident.reference)
        .outerjoin(Incident, and_(Recording.incident_id == Incident.id, Incident.deleted_at.is_(None)))
        .where(Recording.deleted_at.is_(None))
    )
    for word in (text or "").split():
        pattern = _like(word)
        q = q.where(or_(*(col.ilike(pattern, escape="\\") for col in
                          (Recording.officer_id, Recording.device_id, Incident.reference, Recording.file_name))))
    if since is not None:
        q = q.where(Recording.camera_start >= since)
    if until is not None:
        q = q.where(Recording.camera_start <= until)
    if incident is not None:
        q = q.where(Incident.reference == incident.strip())
    return q.order_by(Recording.camera_start.is_(None), Recording.camera_start.desc(), Recording.imported_at.desc(),
                      Recording.id)
