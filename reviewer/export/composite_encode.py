"""Encoding an incident composite: each output frame's canvas from its tiles (composite_tiles), and one chosen
recording's sound with its own mutes and bleeps, to H.264/AAC MP4 in a temp file (pipeline.run_encoded names it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from reviewer.errors import Cancelled
from reviewer.export.audio_redact import AudioSpan, audio_layout, span_samples
from reviewer.export.composite_leak import CompositeRecord, TileFrame
from reviewer.export.composite_plan import CompositePlan
from reviewer.export.composite_tiles import TileSource, draw_label
from reviewer.export.pipeline import audio_redactions, mux_audio
from reviewer.export.settings import EncoderSettings
from reviewer.prefetch import Prefetch
from reviewer.redact.planes import Planes
from reviewer.progress import Task


@dataclass(frozen=True)
class SoundPlan:
    """The one recording whose sound the composite carries: [start, end) of its media time, its redactions."""

    key: str
    path: Path
    start: float
    end: float
    redactions: tuple[tuple[float, float, str], ...]
    rate: float = 1.0  # the recording's media seconds per incident second (1 + drift_ppm e-6)

    def spans_out(self) -> list[tuple[float, float, str]]:
        """Its mutes and bleeps in output seconds, clipped to the copy (for the leak check and the manifest)."""
        out = []
        for s, e, mode in self.redactions:
            lo, hi = max(s, self.start), min(e, self.end)
            if hi > lo:
                out.append(((lo - self.start) / self.rate, (hi - self.start) / self.rate, mode))
        return out


def on_incident_clock(chunks, ratio: float, total: int, block: int = 1024):
    """The recording's samples re-timed to the incident clock (ADR 0024): output sample j is its nearest sample
    to j * ratio, so a camera whose clock drifts by d ppm has one sample repeated (slow) or dropped (fast) every
    1e6 / d samples, and every other sample is the recording's own; the sound stays within half a sample of
    its tile's pictures however long the copy. Exactly `total` samples come out (silence past the source)."""
    pending, base, j = None, 0, 0  # base: the source index of pending[:, 0]
    for chunk in chunks:
        pending = chunk if pending is None else np.concatenate([pending, chunk], axis=1)
        have = base + pending.shape[1]
        upto = min(total, int(np.ceil((have - 0.5) / ratio)))  # every j whose nearest sample is here
        if upto <= j:
            continue
        idx = np.rint(np.arange(j, upto) * ratio).astype(np.int64) - base
        out = pending[:, np.minimum(idx, pending.shape[1] - 1)]
        j = upto
        keep = max(0, int(np.rint(j * ratio)) - base)
        pending, base = pending[:, keep:], base + keep
        for a in range(0, out.shape[1], block):
            yield np.ascontiguousarray(out[:, a:a + block])
        if j >= total:
            return
    if j < total and pending is not None:
        yield np.zeros((pending.shape[0], total - j), np.float32)


def sound_plan(plan: CompositePlan, key: str, source, mask_set) -> SoundPlan | None:
    """The chosen recording's sound over the interval: its media time at the first output instant to the end of
    the last output frame, played at its camera's rate on the incident clock (on_incident_clock)."""
    if not source.info.has_audio:
        return None
    clock = plan.clock
    start = clock.media_time(key, plan.interval.start)
    end = clock.media_time(key, plan.time_of(plan.frames))
    return SoundPlan(key, Path(source.path), start, end, audio_redactions(source, mask_set), clock.get(key).rate)


BLACK_Y, NEUTRAL = 16, 128  # limited-range black: around letterboxed pictures and on a tile without footage


def _canvases(plan: CompositePlan, tiles: list[TileSource], leak_check: bool, task: Task):
    """(canvas frame, per tile TileFrame or None) per output frame, in order (worker thread)."""
    w, h = plan.width, plan.height
    for k in range(plan.frames):
        task.check("export")
        canvas = Planes.from_buffer(np.empty(w * h * 3 // 2, np.uint8), w, h)
        canvas.y[:] = BLACK_Y
        canvas.u[:] = NEUTRAL
        canvas.v[:] = NEUTRAL
        shown: list[TileFrame | None] = []
        for t in tiles:
            at = plan.frame_of(t.spec, k)
            if at.index is None:
                shown.append(None)
            else:
                r = t.render(at.index, leak_check)
                x, y, pw, ph = t.spec.picture  # even: the chroma lands exactly
                canvas.y[y:y + ph, x:x + pw] = r.picture[0]
                canvas.u[y // 2:(y + ph) // 2, x // 2:(x + pw) // 2] = r.picture[1]
                canvas.v[y // 2:(y + ph) // 2, x // 2:(x + pw) // 2] = r.picture[2]
                shown.append(TileFrame(r.index, r.pts, r.samples))
            draw_label(canvas, t.spec, t.label(at.index))
        yield canvas.to_frame(), shown


def encode(plan: CompositePlan, tiles: list[TileSource], sound: SoundPlan | None, enc: EncoderSettings,
           tmp: Path, task: Task, leak_check: bool = True) -> CompositeRecord:
    record = CompositeRecord()
    layout = audio_layout(sound.path) if sound is not None else None
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        vs = out.add_stream("libx264", rate=1 / plan.step)
        vs.width, vs.height, vs.pix_fmt = plan.width, plan.height, "yuv420p"
        vs.time_base = plan.step
        vs.codec_context.time_base = plan.step
        vs.options = {"preset": enc.preset, "crf": str(enc.crf)}
        vs.codec_context.thread_type = "FRAME"
        chunks, astream, apts, rate, lay = None, None, 0, 0, ""
        if layout is not None and enc.audio:
            rate, lay = layout
            record.audio.audio_rate = rate
            record.audio.audio_spans_out = sound.spans_out()
            astream = out.add_stream("aac", rate=rate)
            astream.layout = lay
            astream.bit_rate = enc.audio_bitrate
            chunks = span_samples(sound.path, AudioSpan(sound.start, sound.end, sound.redactions), rate, lay)
            if sound.rate != 1.0:
                chunks = on_incident_clock(chunks, sound.rate, int(round(float(plan.frames * plan.step) * rate)))
        with Prefetch(_canvases(plan, tiles, leak_check, task), depth=4, name="composite-decode") as frames:
            for k, (vf, shown) in enumerate(frames):
                if task.cancel.cancelled:
                    raise Cancelled("export")
                record.frames.append(shown)
                vf.pts, vf.time_base = k, plan.step
                for p in vs.encode(vf):
                    out.mux(p)
                while chunks is not None and apts / rate < float((k + 1) * plan.step) + 0.5:
                    chunk = next(chunks, None)
                    if chunk is None:
                        chunks = None
                        break
                    apts = mux_audio(out, astream, chunk, apts, rate, lay)
                if (k + 1) % 8 == 0:
                    task.report((k + 1) / plan.frames, f"encoding frame {k + 1} of {plan.frames}")
        for p in vs.encode(None):
            out.mux(p)
        if chunks is not None:
            for chunk in chunks:
                apts = mux_audio(out, astream, chunk, apts, rate, lay)
        if astream is not None:
            for p in astream.encode(None):
                out.mux(p)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    return record
