"""A media file ready for review: its description, its frame table and a factory for exact readers.

The library's OpenRecording builds on this; the CLI and tools use it for plain files outside the library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from reviewer.media.frame_reader import DEFAULT_CACHE_BYTES, FrameReader
from reviewer.media.frametable import FrameTable
from reviewer.media.probe import MediaInfo, probe
from reviewer.progress import NO_TASK, Task


@dataclass(frozen=True, eq=False)
class MediaSource:
    path: Path
    info: MediaInfo
    table: FrameTable
    camera_start: dt.datetime | None = None  # UTC time of the first presented frame, when known

    @classmethod
    def from_file(cls, path: str | Path, task: Task = NO_TASK) -> "MediaSource":
        info, table = probe(path, task)
        return cls(Path(path), info, table, info.start_time)

    def reader(self, cache_bytes: int = DEFAULT_CACHE_BYTES, threads: int = 0) -> FrameReader:
        """A new exact reader. Each thread that decodes gets its own; readers are cheap to open. `threads`: the
        decoder's threads (0: FFmpeg's choice, one per core and one more)."""
        return FrameReader(self.path, self.table, cache_bytes=cache_bytes, threads=threads)
