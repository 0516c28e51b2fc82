"""The export pipeline: exact frames -> redact (the editor's own functions) -> overlays -> H.264/AAC MP4.

Nothing with the final name exists until the output has been encoded, fsynced and leak-checked; a cancel, a
failure or a full disk removes the temp file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av

from reviewer.atomic import fsync_dir, locked_temp
from reviewer.errors import Cancelled, ReviewerError
from reviewer.export import overlays as ov
from reviewer.export.audio_redact import AudioSpan, audio_layout, span_samples
from reviewer.export.measures import detail_probe, measure, visible_interiors
from reviewer.export.settings import ExportRequest
from reviewer.leftovers import sweep_for
from reviewer.media.geometry import Geometry
from reviewer.media.source import MediaSource
from reviewer.media.timecode import camera_time, format_camera_time
from reviewer.prefetch import Prefetch
from reviewer.progress import NO_TASK, Task
from reviewer.redact.model import EffectKind, MaskSet
from reviewer.redact.planes import Planes
from reviewer.redact.render import effect_of, redact, regions_at

Redactor = Callable[..., object]
DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


class ExportError(ReviewerError):
    pass


@dataclass(frozen=True)
class PlannedFrame:
    src_index: int
    src_pts: int
    out_pts: int


@dataclass
class EncodeRecord:
    """What the encoder wrote, and the source-side measurements the leak check compares against."""

    frames: list[PlannedFrame] = field(default_factory=list)
    source_measures: list[list[float]] = field(default_factory=list)
    source_probes: list[list] = field(default_factory=list)  # per frame and region: measures.detail_probe or None
    audio_rate: int | None = None
    audio_spans_out: list[tuple[float, float, str]] = field(default_factory=list)  # output seconds


def plan(source: MediaSource, ranges: tuple[tuple[int, int], ...]) -> tuple[list[tuple[int, int, int]], int]:
    """[(first index, last index, out pts of first)] and the output's total pts length."""
    t = source.table
    spans = ranges or ((0, t.frame_count - 1),)
    out, cursor = [], 0
    for a, b in spans:
        if not (0 <= a <= b < t.frame_count):
            raise ExportError(f"{source.path}: range {a}:{b} is outside frames 0..{t.frame_count - 1}")
        out.append((a, b, cursor))
        cursor += int(t.pts[b]) - int(t.pts[a]) + frame_ticks(source, b)
    return out, cursor


def frame_ticks(source: MediaSource, i: int) -> int:
    t = source.table
    return int(t.pts[i + 1] - t.pts[i]) if i + 1 < t.frame_count else t.typical_frame_ticks


def _temp_path(out: Path) -> tuple[int, Path]:
    """(lock fd, temp path) beside `out`; first removes temps a killed export of this same output left."""
    sweep_for(out.parent, f".{out.stem}.", ".part.mp4")
    return locked_temp(out.parent, f".{out.stem}.", ".part.mp4")


def _disk_error(out: Path, exc: BaseException) -> ExportError | None:
    code = getattr(exc, "errno", None)
    if code in DISK_FULL or "No space left" in str(exc):
        return ExportError(f"{out}: not enough disk space to write the export ({exc})")
    return None


def encode(source: MediaSource, mask_set: MaskSet, request: ExportRequest, tmp: Path, task: Task,
           redactor: Redactor = redact) -> EncodeRecord:
    table = source.table
    tb = table.time_base
    spans, total_ticks = plan(source, request.ranges)
    n_total = sum(b - a + 1 for a, b, _ in spans)
    record = EncodeRecord()
    layout = audio_layout(source.path) if (request.encoder.audio and source.info.has_audio) else None
    geometry = Geometry.of(source.info)
    exclude = ov.strips(request.overlays, source.info.width, source.info.height, geometry)
    # no cache: frames are redacted in place (Planes.wrap), so none may be handed out again
    reader = source.reader(cache_bytes=0)
    try:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vs = out.add_stream("libx264", rate=Fraction(round(source.info.average_fps or 30)))
            vs.width, vs.height, vs.pix_fmt = source.info.width, source.info.height, "yuv420p"
            carry_geometry(vs, geometry)
            vs.time_base = tb
            vs.codec_context.time_base = tb
            vs.options = {"preset": request.encoder.preset, "crf": str(request.encoder.crf)}
            # PyAV defaults to slice threads, which makes x264 use its less efficient sliced-threads mode; the
            # ffmpeg CLI uses frame threads (measured here: ~58 vs ~53 fps encoding 1080p veryfast)
            vs.codec_context.thread_type = "FRAME"
            audio_gen, astream, apts = None, None, 0
            if layout is not None:
                rate, lay = layout
                record.audio_rate = rate
                astream = out.add_stream("aac", rate=rate)
                astream.layout = lay
                astream.bit_rate = request.encoder.audio_bitrate
                audio_gen = _audio_chunks(source, mask_set, spans, rate, lay, record)
            items = _redacted_frames(source, reader, mask_set, request, spans, exclude, redactor, task)
            done = 0
            with Prefetch(items, depth=6, name="export-decode") as frames:
                for vf, planned, (measures, probes) in frames:
                    if task.cancel.cancelled:
                        raise Cancelled("export")
                    record.frames.append(planned)
                    record.source_measures.append(measures)
                    record.source_probes.append(probes)
                    for p in vs.encode(vf):
                        out.mux(p)
                    if audio_gen is not None:
                        # keep audio about half a second ahead of video so the muxer interleaves tightly
                        video_s = float(vf.pts * tb)
                        while apts / record.audio_rate < video_s + 0.5:
                            chunk = next(audio_gen, None)
                            if chunk is None:
                                audio_gen = None
                                break
                            apts = mux_audio(out, astream, chunk, apts, record.audio_rate, lay)
                    done += 1
                    if done % 8 == 0:
                        task.report(done / n_total, f"encoding frame {done} of {n_total}")
            for p in vs.encode(None):
                out.mux(p)
            if audio_gen is not None:
                for chunk in audio_gen:
                    apts = mux_audio(out, astream, chunk, apts, record.audio_rate, lay)
            if astream is not None:
                for p in astream.encode(None):
                    out.mux(p)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    finally:
        reader.close()
    return record


def carry_geometry(vs, geometry: Geometry) -> None:
    """The copy keeps the original's storage pixels and says how to show them exactly as the original does: the
    same display rotation (container matrix) and sample aspect ratio (H.264 VUI and the container). ADR 0022:
    no resampled pixels in evidence, and the leak check compares like with like."""
    if geometry.sar != 1:
        vs.codec_context.sample_aspect_ratio = geometry.sar
    if geometry.rotation:
        vs.set_display_rotation(geometry.rotation)


def _redacted_frames(source, reader, mask_set, request, spans, exclude, redactor, task):
    """Decode, measure the source, redact and overlay, in the order the encoder needs them (worker thread)."""
    table = source.table
    geometry = Geometry.of(source.info)
    tb = table.time_base
    for a, b, base in spans:
        first_pts = int(table.pts[a])
        for i in range(a, b + 1):
            task.check("export")  # raises Cancelled, which the consumer re-raises: never a short, "finished" file
            frame = reader.frame(i)
            planes = Planes.wrap(frame.video)
            regions = regions_at(mask_set, frame.pts, planes.width, planes.height)
            measures, probes = [], []
            if request.leak_check:  # the source side of the leak check; nothing to compare against otherwise
                inners = visible_interiors([reg for _, reg in regions], exclude)
                measures = [measure(effect_of(trk), planes.y, planes.u, planes.v, reg, inner)
                            for (trk, reg), inner in zip(regions, inners)]
                probes = [None if effect_of(trk).kind is EffectKind.SOLID else detail_probe(planes.y, reg, inner)
                          for (trk, reg), inner in zip(regions, inners)]
            redactor(planes, mask_set, frame.pts, regions=regions)
            camera = format_camera_time(camera_time(source.camera_start, table.media_time(i)))
            ov.draw(planes, request.overlays, i, camera, geometry)
            vf = planes.to_frame()
            vf.pict_type = av.video.frame.PictureType.NONE  # else x264 copies the source's I/P/B decisions
            vf.pts = base + frame.pts - first_pts
            vf.time_base = tb
            yield vf, PlannedFrame(i, frame.pts, vf.pts), (measures, probes)


def audio_redactions(source: MediaSource, mask_set: MaskSet) -> tuple[tuple[float, float, str], ...]:
    """The mask set's mutes and bleeps as (start, end, mode) in the source's seconds; a range ends where its last
    frame stops being shown."""
    table = source.table
    tb = table.time_base

    def end_of(pts: int) -> float:
        return float((pts + frame_ticks(source, table.index_at_or_before_pts(pts))) * tb)

    return tuple((float(r.start_pts * tb), end_of(r.end_pts), r.mode) for r in mask_set.audio)


def _audio_chunks(source, mask_set, spans, rate, layout, record: EncodeRecord):
    tb = source.table.time_base
    red = audio_redactions(source, mask_set)
    out_cursor = 0.0
    for a, b, base in spans:
        start = float(source.table.pts[a] * tb)
        end = float((int(source.table.pts[b]) + frame_ticks(source, b)) * tb)
        for s, e, mode in red:
            lo, hi = max(s, start), min(e, end)
            if hi > lo:
                record.audio_spans_out.append((out_cursor + lo - start, out_cursor + hi - start, mode))
        yield from span_samples(source.path, AudioSpan(start, end, red), rate, layout)
        out_cursor += end - start


def mux_audio(out, stream, chunk, apts: int, rate: int, layout: str) -> int:
    frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
    frame.sample_rate = rate
    frame.pts = apts
    frame.time_base = Fraction(1, rate)
    for p in stream.encode(frame):
        out.mux(p)
    return apts + chunk.shape[1]


def run(source: MediaSource, mask_set: MaskSet, request: ExportRequest, out_path: Path, task: Task = NO_TASK,
        redactor: Redactor = redact, leak_checker=None,
        publish: Callable[[Path, EncodeRecord], None] | None = None) -> tuple[EncodeRecord, float, Path]:
    """Encode to a temp file beside `out_path` and leak-check it; then `publish(tmp, record)` gives it its final
    name (after writing its manifest, report and disclosure, so a finished-looking output never lacks them), or
    without `publish` it is renamed here. The folder must exist (reviewer.outputs decides about creating it).
    Returns (record, seconds, path)."""
    return run_encoded(out_path, lambda tmp: encode(source, mask_set, request, tmp, task, redactor), task,
                       leak_checker, publish)


def run_encoded(out_path: Path, encode_to: Callable[[Path], object], task: Task = NO_TASK, leak_checker=None,
                publish: Callable[[Path, object], None] | None = None) -> tuple[object, float, Path]:
    """The temp-file discipline of every video export (one recording's, or an incident composite's):
    `encode_to(tmp)` writes and fsyncs the temp beside `out_path` and returns its record, `leak_checker(tmp,
    record, task)` checks it, `publish(tmp, record)` names it (or it is renamed here). A cancel, a failure or a
    full disk removes the temp."""
    out_path = Path(out_path)
    lock, tmp = _temp_path(out_path)  # the lock fd is held until the temp is renamed or removed
    started = time.perf_counter()
    try:
        record = encode_to(tmp)
        if leak_checker is not None:
            leak_checker(tmp, record, task)
        elapsed = time.perf_counter() - started
        if publish is not None:
            publish(tmp, record)
        else:
            os.replace(tmp, out_path)
            fsync_dir(out_path.parent)
    except (OSError, av.error.FFmpegError) as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise (_disk_error(out_path, exc) or ExportError(f"{out_path}: export failed ({exc})")) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    finally:
        os.close(lock)
    return record, elapsed, out_path
