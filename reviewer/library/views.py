"""RecordingView: an immutable snapshot of one recording, safe to hand to any thread or to the UI."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from reviewer.config import Paths
from reviewer.library.models import Recording
from reviewer.library.originals import OriginalStore


@dataclass(frozen=True)
class RecordingView:
    id: str
    sha256: str
    file_name: str
    original_path: Path  # read-only file in the originals store
    size: int
    container: str
    codec: str
    width: int
    height: int
    frame_count: int
    duration: float
    average_fps: float
    is_vfr: bool
    has_audio: bool
    camera_start: dt.datetime | None  # aware UTC time of the first presented frame, when known
    officer_id: str | None
    device_id: str | None
    incident_ref: str | None
    imported_at: dt.datetime
    thumbnail_path: Path | None
    integrity: str  # "ok" | "unverified" | "failed"
    # beyond the contract; defaults keep hand-built views short in tests
    audio_codec: str | None = None
    time_base: str = ""
    camera_start_source: str | None = None  # "sidecar" | "container" | None
    imported_from: str = ""
    verified_at: dt.datetime | None = None
    revision: int = 1
    # local | remote | downloading | evicted (footage on demand, reviewer/sync/) | uploading (listed by the store
    # while its dock is still sending it: nothing to fetch yet)
    availability: str = "local"
    store_state: str | None = None

    @property
    def is_local(self) -> bool:
        return self.availability == "local"

    @property
    def is_uploading(self) -> bool:
        return self.availability == "uploading"

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def to_json(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, Path):
                d[k] = str(v)
            elif isinstance(v, dt.datetime):
                d[k] = v.isoformat()
        return d


def thumbnail_path(paths: Paths, sha256: str) -> Path:
    return paths.thumbnails / f"{sha256}.png"


def view_of(rec: Recording, incident_ref: str | None, paths: Paths) -> RecordingView:
    thumb = thumbnail_path(paths, rec.sha256)
    return RecordingView(
        id=rec.id,
        sha256=rec.sha256,
        file_name=rec.file_name,
        original_path=OriginalStore(paths.originals).path_for(rec.sha256, rec.original_ext),
        size=rec.size,
        container=rec.container,
        codec=rec.codec,
        width=rec.width,
        height=rec.height,
        frame_count=rec.frame_count,
        duration=rec.duration,
        average_fps=rec.average_fps,
        is_vfr=rec.is_vfr,
        has_audio=rec.has_audio,
        camera_start=rec.camera_start,
        officer_id=rec.officer_id,
        device_id=rec.device_id,
        incident_ref=incident_ref,
        imported_at=rec.imported_at,
        thumbnail_path=thumb if thumb.exists() else None,
        integrity=rec.integrity,
        audio_codec=rec.audio_codec,
        time_base=rec.time_base,
        camera_start_source=rec.camera_start_source,
        imported_from=rec.imported_from,
        verified_at=rec.verified_at,
        revision=rec.revision,
        availability=rec.availability or "local",
        store_state=rec.store_state,
    )
