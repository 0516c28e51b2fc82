"""A dock's upload registers its recording (docs/dock.md, "Registration"): the file name and sidecar the dock sent
in Upload-Metadata give the incident (by its reference), the camera, the officer and the camera start.

Metadata first (ADR 0018): the recording is registered in the transaction that creates the upload, in state
"uploading", and announced at once, so entitled workstations list it while the bytes are still arriving. The
transaction that records the verified blob makes it "available" (announced again: it may now be opened and is
probed). An upload that fails its hash, expires or is abandoned withdraws it (audited, announced). Registration
never refuses footage because of its description: a sidecar that cannot be read files the recording as unfiled,
and says why; and a fault while registering is logged and leaves the upload alone.

A reference the store does not know (or none at all) files the recording under an "unfiled" incident made by the
store for that reference, audited; every supervisor (and professional standards) sees it until someone is
assigned to it (routes_admin.assign), which files it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from pathlib import Path, PurePosixPath

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from reviewer.store import audit, events
from reviewer.store.access import Caller
from reviewer.store.models import Blob, Incident, Recording, Upload
from reviewer.store.tus import TusError, parse_metadata

UPLOADING, AVAILABLE = "uploading", "available"
ACTOR = "store"  # withdrawals and availability are the store's own findings about an upload
REGISTERS = {"dock"}  # a supervisor's uploads are renditions (training clips), registered by hand if at all
log = logging.getLogger("reviewer.store.dock")


def _lock_key(reference: str) -> int:
    """One transaction at a time makes the unfiled incident of a reference (PostgreSQL; SQLite: BEGIN IMMEDIATE)."""
    return int.from_bytes(hashlib.sha256(b"bwv-incident:" + reference.encode()).digest()[:8], "big", signed=True)


def shown_name(name: str) -> str:
    """The dock's file name as a recording's name: no folders, and characters a reader cannot see escaped."""
    from reviewer.library.sidecar import unsafe_char

    base = PurePosixPath(name.replace("\\", "/")).name or "recording"
    return "".join(f"\\u{ord(c):04x}" if unsafe_char(c) else c for c in base)[:255]


def read_sent_sidecar(sidecar_text: str, file_name: str):
    """(Sidecar or None, problem or ""): the sidecar text parsed by the library's one reader (docs/sidecar.md)."""
    from reviewer.library.sidecar import SidecarError, read_sidecar

    with tempfile.TemporaryDirectory(prefix="bwv-sidecar-") as d:
        (Path(d) / "recording.json").write_text(sidecar_text, encoding="utf-8")
        try:
            return read_sidecar(Path(d) / "recording"), ""
        except SidecarError as exc:
            return None, f"{file_name}: sidecar {exc.problem}"


def incident_for(s: Session, reference: str, actor: str, why: str) -> Incident:
    """The filed incident with this reference (the oldest, should there be several), else its unfiled one."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(reference)})
    found = s.scalars(select(Incident).where(Incident.reference == reference)
                      .order_by(Incident.unfiled, Incident.created_at, Incident.id).limit(1)).first() \
        if reference else None
    if found is None and not reference:
        found = s.scalars(select(Incident).where(Incident.reference == "", Incident.unfiled.is_(True))
                          .order_by(Incident.created_at).limit(1)).first()
    if found is not None:
        return found
    import uuid

    title = f"Unfiled: docked with reference {reference}, unknown to the store" if reference \
        else "Unfiled: docked without an incident reference"
    inc = Incident(id=str(uuid.uuid4()), reference=reference, title=title, unfiled=True,
                   created_at=dt.datetime.now(dt.timezone.utc))
    s.add(inc)
    s.flush()
    audit.record(s, actor, "incident_add", "incident", inc.id,
                 details={"reference": reference, "unfiled": True, "why": why})
    return inc


def register(s: Session, caller: Caller, up: Upload, complete: bool) -> Recording | None:
    """Register the recording of a dock's upload: at its creation (`complete` False: listed "uploading", metadata
    first) or at its completion (then "available"); None when there is nothing new to register (not a dock, no
    file name, or this footage is already a recording). A completed upload of footage announced as uploading
    makes that recording available, whoever uploaded the bytes."""
    rec = s.get(Recording, up.sha256)
    if rec is not None:
        if complete and rec.state == UPLOADING:
            make_available(s, rec, up)
        return None
    if caller.role not in REGISTERS:
        return None
    try:
        meta = parse_metadata(up.metadata_header)
    except TusError:
        return None
    if not meta.get("filename"):
        return None
    name = shown_name(meta["filename"])
    side, problem = read_sent_sidecar(meta["sidecar"], name) if meta.get("sidecar") else (None, "")
    reference = (side.incident_ref or "") if side else ""
    if problem:
        why = problem
    elif not reference:
        why = f"{name}: no incident reference in its sidecar" if side else f"{name}: docked without a sidecar"
    else:
        why = f"{name}: incident reference {reference} is unknown to the store"
    inc = incident_for(s, reference, caller.actor, why)
    # the same bytes may already be here (another upload finished them): then there is nothing to wait for
    state = AVAILABLE if complete or s.get(Blob, up.sha256) is not None else UPLOADING
    rec = Recording(sha256=up.sha256, incident_id=inc.id, file_name=name, state=state, size=up.length,
                    camera=(side.device_id or "") if side else "", officer=(side.officer_id or "") if side else "",
                    started_at=side.start_time if side else None, registered_at=dt.datetime.now(dt.timezone.utc))
    s.add(rec)
    details = {"incident": inc.id, "file_name": name, "source": "dock", "unfiled": inc.unfiled, "state": state,
               "upload": up.id}
    if problem:
        details["sidecar_problem"] = problem
    audit.record(s, caller.actor, "recording_register", "recording", up.sha256, details=details)
    events.emit(s, "recording_registered", up.sha256, inc.id, file_name=name, unfiled=inc.unfiled, state=state,
                size=up.length)
    return rec


def make_available(s: Session, rec: Recording, up: Upload) -> None:
    """The footage of an announced recording is in, verified against its SHA-256: it may now be opened."""
    rec.state, rec.size = AVAILABLE, up.length
    audit.record(s, ACTOR, "recording_available", "recording", rec.sha256,
                 details={"incident": rec.incident_id, "upload": up.id, "size": up.length})
    events.emit(s, "recording_available", rec.sha256, rec.incident_id, file_name=rec.file_name, size=up.length)


WITHDRAWN_WHY = {"failed": "its upload's bytes did not match the declared SHA-256",
                 "expired": "its upload expired before it was completed",
                 "terminated": "its upload was abandoned by the dock"}


def withdraw(s: Session, up: Upload, state: str) -> None:
    """An upload ended unfinished: the recording announced for it leaves the listing (audited and announced), so
    no workstation keeps a recording whose footage will never come. Kept while another upload of the same bytes
    is still open; made available if those bytes are already here."""
    rec = s.get(Recording, up.sha256)
    if rec is None or rec.state != UPLOADING:
        return
    if s.get(Blob, up.sha256) is not None:
        make_available(s, rec, up)
        return
    other = s.scalar(select(Upload.id).where(Upload.sha256 == up.sha256, Upload.state == "open",
                                             Upload.id != up.id, Upload.expires_at > dt.datetime.now(dt.timezone.utc))
                     .limit(1))
    if other is not None:
        return
    why = f"{rec.file_name}: {WITHDRAWN_WHY.get(state, state)}"
    s.delete(rec)
    s.flush()
    audit.record(s, ACTOR, "recording_withdraw", "recording", up.sha256,
                 details={"incident": rec.incident_id, "file_name": rec.file_name, "upload": up.id,
                          "upload_state": state, "why": why})
    events.emit(s, "recording_withdrawn", up.sha256, rec.incident_id, file_name=rec.file_name, why=why)


def safely(s: Session, what: str, up: Upload, fn, *args) -> None:
    """fn(s, *args) in a savepoint: a fault is logged and leaves the upload's own change alone (an admin can still
    register the footage by hand, POST /admin/recordings)."""
    try:
        with s.begin_nested():
            fn(s, *args)
    except Exception:
        log.exception("%s for the upload %s (sha256 %s) failed; the footage is kept", what, up.id, up.sha256)


def on_create(caller: Caller):
    return lambda s, up: safely(s, "announcing the recording", up, register, caller, up, False)


def on_complete(caller: Caller):
    return lambda s, up: safely(s, "registering the recording", up, register, caller, up, True)


def on_discard(s: Session, up: Upload, state: str) -> None:
    safely(s, "withdrawing the announced recording", up, withdraw, up, state)
