"""Opening media safely and describing it: container, codecs, geometry, audio presence, camera start time."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av

from reviewer.errors import MediaError
from reviewer.media.caps import check_picture, limit_decoders
from reviewer.media.frametable import FrameTable, build_frame_table, video_stream
from reviewer.media.geometry import stream_geometry
from reviewer.progress import NO_TASK, Task


@contextlib.contextmanager
def open_container(path: str | Path) -> Iterator[av.container.InputContainer]:
    """av.open with every failure turned into a MediaError that names the file and the problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MediaError(path, "file not found") from None
    except OSError as exc:
        raise MediaError(path, f"cannot be read ({exc.strerror})") from None
    if path.is_dir():
        raise MediaError(path, "is a folder, not a media file")
    if size == 0:
        raise MediaError(path, "file is empty (0 bytes)")
    try:
        container = av.open(str(path), mode="r", metadata_errors="replace")
    except av.error.InvalidDataError:
        if _mp4_without_index(path, size):
            raise MediaError(path, "is an MP4 whose index (moov box) is missing: the file was cut short, e.g. a "
                             "copy or a recording that did not finish; copy it again from the camera or dock") from None
        raise MediaError(path, "is not a media file FFmpeg can read (invalid data)") from None
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"cannot be opened as media ({exc.strerror or exc})") from None
    except OSError as exc:
        raise MediaError(path, f"cannot be read ({exc.strerror or exc})") from None
    limit_decoders(container)
    try:
        yield container
    finally:
        container.close()


def _mp4_without_index(path: Path, size: int, max_boxes: int = 64) -> bool:
    """True for an ISO-BMFF file (ftyp first) whose top-level boxes run out, or run past the end, before a moov:
    what a camera file looks like when its copy was cut short (cameras write the index last)."""
    try:
        with path.open("rb") as f:
            pos = 0
            for n in range(max_boxes):
                f.seek(pos)
                head = f.read(16)
                if len(head) < 8:
                    return n > 0
                length, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if n == 0 and kind != b"ftyp":
                    return False
                if kind == b"moov":
                    return False
                if length == 1 and len(head) == 16:
                    length = int.from_bytes(head[8:16], "big")
                elif length == 0:  # runs to the end of the file
                    return True
                if length < 8:
                    return False
                pos += length
                if pos >= size:
                    return True
    except OSError:
        return False
    return False


@dataclass(frozen=True)
class MediaInfo:
    path: str
    container: str
    size: int
    codec: str
    width: int
    height: int
    pix_fmt: str | None
    time_base: str  # "num/den"
    frame_count: int
    duration: float
    average_fps: float
    is_vfr: bool
    has_audio: bool
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    rotation: int  # counter-clockwise display rotation: 0, 90, 180 or 270 (reviewer/media/geometry.py)
    start_time: dt.datetime | None  # camera start (UTC) from container tags, if any
    tags: dict[str, str]
    sar: str = "1/1"  # sample aspect ratio, "num/den"; older stored descriptions lack it (square pixels)

    def to_json(self) -> dict:
        d = asdict(self)
        d["start_time"] = self.start_time.isoformat() if self.start_time else None
        return d


def parse_time_tag(value: str | None) -> dt.datetime | None:
    """ISO-8601 creation time as muxers write it ('2024-05-01T10:00:00.000000Z'); naive times are taken as UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    try:
        t = t.astimezone(dt.timezone.utc)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset: a forged tag, not a time
        return None
    # muxers write 1970 or 1904 epochs when nobody set a time
    return None if t.year < 1990 else t


def probe(path: str | Path, task: Task = NO_TASK) -> tuple[MediaInfo, FrameTable]:
    """Describe a file and build its frame table. Raises MediaError for anything that is not usable footage."""
    path = Path(path)
    with open_container(path) as c:
        vs = video_stream(c, path)
        cc = vs.codec_context
        if not cc.width or not cc.height:
            raise MediaError(path, "video stream has no picture size (damaged header)")
        check_picture(path, int(cc.width), int(cc.height), cc.pix_fmt)  # before anything decodes a frame
        audio = c.streams.audio[0] if c.streams.audio else None
        tags = {str(k): str(v) for k, v in {**dict(c.metadata), **dict(vs.metadata)}.items()}
        rotation, sar = _display_geometry(c, vs)
        head = dict(
            container=c.format.name,
            size=path.stat().st_size,
            codec=cc.name,
            width=int(cc.width),
            height=int(cc.height),
            pix_fmt=cc.pix_fmt,
            time_base=f"{vs.time_base.numerator}/{vs.time_base.denominator}",
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            audio_sample_rate=int(audio.codec_context.sample_rate) if audio is not None else None,
            audio_channels=int(audio.codec_context.layout.nb_channels) if audio is not None else None,
            rotation=rotation,
            sar=f"{sar.numerator}/{sar.denominator}",
            start_time=parse_time_tag(tags.get("creation_time")),
            tags=tags,
        )
    table = build_frame_table(path, task)
    info = MediaInfo(
        path=str(path),
        frame_count=table.frame_count,
        duration=table.duration,
        average_fps=table.average_fps,
        is_vfr=table.is_vfr,
        **head,
    )
    return info, table


def _display_geometry(container, vs) -> tuple[int, Fraction]:
    """Display rotation and sample aspect ratio. A file whose first frame does not decode is shown unrotated (the
    frame table and the reader report the damage themselves)."""
    first = None
    with contextlib.suppress(Exception):
        first = next(container.decode(vs), None)
    g = stream_geometry(vs, first)
    return g.rotation, g.sar


def display_geometry(path: str | Path) -> tuple[int, str]:
    """(rotation, "num/den" sar) of a file, without building its frame table: for descriptions stored before
    the geometry was read (their rotation was never read: always 0)."""
    path = Path(path)
    with open_container(path) as c:
        rotation, sar = _display_geometry(c, video_stream(c, path))
    return rotation, f"{sar.numerator}/{sar.denominator}"


def time_base_fraction(text: str) -> Fraction:
    num, den = text.split("/")
    return Fraction(int(num), int(den))
