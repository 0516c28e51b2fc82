"""A canonical dump of everything sync carries, for comparing copies (the convergence tests, and a support tool):
every synced entity's fields by entity id, with local row ids replaced by what is the same everywhere (a
recording by its SHA-256) and local bookkeeping (times of applying, who applied it here, revision counters)
left out (the times a row carries from its operation's stamp stay). Two libraries hold the same state exactly
when their dumps are equal.

Adding a synced entity type is one line in SYNCED (its model; recording_id is mapped to the SHA-256)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from reviewer.library.models import Recording
from reviewer.library.models_govern import Bookmark, Clip, EvidentialMark, LegalHold
from reviewer.library.models_incident import ClockOffsetRow
from reviewer.library.models_redact import MaskApprovalRow, MaskKeyframeRow, MaskTrackRow, RedactionRangeRow

# entity type (as in operations) -> model
SYNCED = {
    "bookmark": Bookmark,
    "clip": Clip,
    "evidential_mark": EvidentialMark,
    "legal_hold": LegalHold,
    "mask_track": MaskTrackRow,
    "mask_keyframe": MaskKeyframeRow,  # keyed "track id:pts"
    "redaction_range": RedactionRangeRow,
    "mask_approval": MaskApprovalRow,
    "clock_offset": ClockOffsetRow,  # keyed by the recording's SHA-256
}
LOCAL_COLUMNS = {"revision", "created_at", "updated_at", "updated_by"}


def _key(row) -> str:
    return ":".join(str(getattr(row, c.key)) for c in row.__table__.primary_key.columns)


def _row(row, shas: dict[str, str], tracks: dict[str, str]) -> dict:
    out = {}
    if isinstance(row, MaskKeyframeRow):  # a keyframe belongs to its track's recording
        out["recording"] = tracks.get(row.track_id, f"?{row.track_id}")
    if isinstance(row, ClockOffsetRow):  # keyed by its recording's SHA-256
        out["recording"] = row.sha256
    for col in row.__table__.columns:
        name = col.key
        if name in LOCAL_COLUMNS or col.primary_key:
            continue
        value = getattr(row, name)
        if name == "deleted_at":  # stamped when applied here: whether, not when
            out["deleted"] = value is not None
        elif name == "recording_id":
            out["recording"] = shas.get(value, f"?{value}")
        elif isinstance(value, dt.datetime):  # other times come from the operation's stamp: the same everywhere
            out[name] = (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()
        else:
            out[name] = value
    return out


def canonical_state(library) -> dict:
    """{"recordings": [live SHA-256s], "<entity type>": {entity id: {field: value}}}"""
    with library.gov.sessions() as s:
        recs = s.execute(select(Recording.id, Recording.sha256, Recording.deleted_at)).all()
        shas = {rid: sha for rid, sha, _d in recs}
        tracks = {t: shas.get(r, f"?{r}") for t, r in s.execute(select(MaskTrackRow.id, MaskTrackRow.recording_id))}
        state: dict = {"recordings": sorted({sha for _r, sha, d in recs if d is None})}
        for entity, model in SYNCED.items():
            state[entity] = {_key(r): _row(r, shas, tracks) for r in s.scalars(select(model))}
    return state


def dumps(state: dict) -> str:
    return json.dumps(state, sort_keys=True, indent=1, ensure_ascii=False, default=str)
