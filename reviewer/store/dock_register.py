"""A dock's completed upload registers its recording (docs/dock.md, "Registration"): the file name and sidecar the
dock sent in Upload-Metadata give the incident (by its reference), the camera, the officer and the camera start.
It runs in the transaction that records the blob, so the footage is never held without its recording, and never
refused because of its description: a sidecar that cannot be read files the recording as unfiled, and says why.

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
from reviewer.store.models import Incident, Recording, Upload
from reviewer.store.tus import TusError, parse_metadata

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


def register(s: Session, caller: Caller, up: Upload) -> Recording | None:
    """Register the recording of a dock's completed upload; None when there is nothing to register (not a dock,
    no file name, or this footage is already a recording)."""
    if caller.role not in REGISTERS:
        return None
    try:
        meta = parse_metadata(up.metadata_header)
    except TusError:
        return None
    if not meta.get("filename") or s.get(Recording, up.sha256) is not None:
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
    rec = Recording(sha256=up.sha256, incident_id=inc.id, file_name=name,
                    camera=(side.device_id or "") if side else "", officer=(side.officer_id or "") if side else "",
                    started_at=side.start_time if side else None, registered_at=dt.datetime.now(dt.timezone.utc))
    s.add(rec)
    details = {"incident": inc.id, "file_name": name, "source": "dock", "unfiled": inc.unfiled}
    if problem:
        details["sidecar_problem"] = problem
    audit.record(s, caller.actor, "recording_register", "recording", up.sha256, details=details)
    events.emit(s, "recording_registered", up.sha256, inc.id, file_name=name, unfiled=inc.unfiled)
    return rec


def register_safely(s: Session, caller: Caller, up: Upload) -> None:
    """register() in a savepoint: a fault there is logged and leaves the blob's own commit alone (an admin can
    still register the footage by hand, POST /admin/recordings)."""
    try:
        with s.begin_nested():
            register(s, caller, up)
    except Exception:
        log.exception("registering the dock upload %s (sha256 %s) failed; the footage is kept", up.id, up.sha256)
