"""Footage on demand: bring a catalogued recording's original from the store into the read-only originals store.

`ensure_local` is the one path (opening a recording, the CLI's `sync fetch` and the download manager all use it):
permission to view (refusal audited), the resumable verified fetch (fetch.py) into HOME/downloads, a probe of
the verified bytes (frame table, thumbnail, the media description the catalog could not give), then one gated
transaction that places the original and marks the recording local, with its audit event.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import httpx
from sqlalchemy import select

from reviewer.errors import Cancelled, MediaError, ReviewerError, StillUploading
from reviewer.govern.roles import Action
from reviewer.library.ingest import subtask
from reviewer.library.models import Recording, utcnow
from reviewer.library.originals import Incoming, safe_ext
from reviewer.library.views import RecordingView, thumbnail_path
from reviewer.media.geometry import Geometry
from reviewer.media.probe import MediaInfo, probe
from reviewer.media.thumbnail import make_thumbnail
from reviewer.progress import NO_TASK, Task
from reviewer.sync.fetch import DownloadError, OnBytes, discard_partial, fetch_with_retries

GONE = ("purged", "destroyed")


def downloads_dir(library) -> Path:
    """Partial downloads: inside the home (same file system as originals/, so placing one is a rename)."""
    return library.paths.home / "downloads"


def set_availability(library, recording_id: str, state: str) -> None:
    """Local bookkeeping of where the bytes are: no revision bump and no audit event of its own (the download
    or eviction that changes it is audited)."""
    with library.gov.write() as s:
        rec = s.get(Recording, recording_id)
        if rec is not None and rec.availability != state:
            rec.availability = state
    library._events.emit("recordings_changed", {"id": recording_id})


def reset_interrupted(library) -> list[str]:
    """Recordings left "downloading" by a process that was killed: back to "remote" (their partials stay and
    resume). One another process is fetching right now holds its partial's lock and is left alone."""
    from reviewer.sync.fetch import partial_path

    with library.sessions() as s:
        rows = s.execute(select(Recording.id, Recording.sha256).where(Recording.availability == "downloading",
                                                                      Recording.deleted_at.is_(None))).all()
    reset = []
    for rid, sha in rows:
        if not _busy(partial_path(downloads_dir(library), sha)):
            set_availability(library, rid, "remote")
            reset.append(rid)
    return reset


def _busy(part: Path) -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(part, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def ensure_local(library, client: httpx.Client, recording_id: str, task: Task = NO_TASK,
                 on_bytes: OnBytes | None = None) -> RecordingView:
    """The recording with its original in the originals store, downloading it first if needed. Cancelled
    (pause) keeps the partial file for a resume; DownloadError says what failed, naming the recording."""
    view = library.get(recording_id)
    if view.is_local:
        return view
    if view.is_uploading:  # the store has no footage to send yet: no request is made
        raise StillUploading(view.id, view.file_name)
    if view.store_state in GONE:
        raise DownloadError(f"recording {view.id} ({view.file_name}): purged in the central store; its footage "
                            "cannot be downloaded")
    library.gov.require(Action.VIEW, "recording", view.id, {"sha256": view.sha256})
    previous = "remote" if view.availability == "downloading" else view.availability
    set_availability(library, view.id, "downloading")
    try:
        placed = _place(library, client, view, task, on_bytes)
    except Cancelled:
        set_availability(library, view.id, previous)
        raise
    except ReviewerError as exc:
        set_availability(library, view.id, previous)
        library.gov.record_now("recording", view.id, "recording.download", outcome="failed",
                               details={"sha256": view.sha256, "error": str(exc)})
        raise
    library._events.emit("recordings_changed", {"id": view.id})
    return placed


def _place(library, client, view: RecordingView, task: Task, on_bytes: OnBytes | None) -> RecordingView:
    store = library.store
    existing = store.find(view.sha256)
    if existing is not None and store.verify(view.sha256, existing, subtask(task, 0.0, 0.9)) == view.sha256:
        # the same bytes are already kept (another recording row, or a copy an eviction could not remove)
        # described here from the bytes themselves, as a download is (the catalog had only the store's summary)
        info, table = probe(existing, subtask(task, 0.9, 0.1))
        library.frame_tables.save(view.sha256, table)
        return _commit(library, view, info, existing, {"source": "originals store", "received": 0}, task)
    folder = downloads_dir(library)
    fetched = fetch_with_retries(client, view.sha256, folder, subtask(task, 0.0, 0.85), on_bytes)
    try:
        info, table = probe(fetched.path, subtask(task, 0.85, 0.1))
    except MediaError as exc:
        discard_partial(folder, view.sha256)
        raise DownloadError(f"recording {view.id} ({view.file_name}): downloaded and verified, but it cannot be "
                            f"read as video ({exc.problem})") from None
    library.frame_tables.save(view.sha256, table)
    thumb = thumbnail_path(library.paths, view.sha256)
    if not thumb.exists():
        with contextlib.suppress(MediaError):  # a thumbnail is a convenience; the store may have sent one
            make_thumbnail(fetched.path, table, thumb, geometry=Geometry.of(info))
    incoming = Incoming(store, fetched.path, view.sha256, fetched.size, safe_ext(view.file_name))
    details = {"source": "central store", "received": fetched.received, "resumed_from": fetched.resumed_from}
    return _commit(library, view, info, incoming, details, task)


def _commit(library, view: RecordingView, info: MediaInfo, original: Incoming | Path, details: dict,
            task: Task) -> RecordingView:
    with library.gov.gate(Action.VIEW, "recording", view.id, "recording.download",
                          details={"sha256": view.sha256, "file_name": view.file_name, "size": view.size,
                                   **details}) as g:
        final = original.commit() if isinstance(original, Incoming) else original
        rec = g.session.get(Recording, view.id)
        _describe(rec, info)
        rec.original_ext = final.suffix
        rec.availability = "local"
        rec.integrity, rec.verified_at = "ok", utcnow()  # hashed as it arrived, moments ago
        rec.last_used_at = utcnow()
    task.report(1.0, "downloaded")
    return library.get(view.id)


def _describe(rec: Recording, info: MediaInfo) -> None:
    """What the probe of the verified bytes found; a camera start the store gave (from the sidecar) is kept."""
    media = info.to_json()
    media.pop("path", None)
    rec.container, rec.codec, rec.width, rec.height = info.container, info.codec, info.width, info.height
    rec.time_base, rec.frame_count, rec.duration = info.time_base, info.frame_count, info.duration
    rec.average_fps, rec.is_vfr, rec.has_audio = info.average_fps, info.is_vfr, info.has_audio
    rec.audio_codec = info.audio_codec
    rec.media_json = json.dumps(media, sort_keys=True)
    if rec.camera_start is None and info.start_time is not None:
        rec.camera_start, rec.camera_start_source = info.start_time, "container"
