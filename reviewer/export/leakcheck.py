"""The leak check: decode the finished output and prove, frame by frame, that every region that should be
obscured is, and that every audio redaction range is silent (or only the bleep).

Thresholds (stated, and tested against a deliberately broken pipeline):
- solid: the 95th-percentile distance from the fill colour inside the region is at most SOLID_TOLERANCE levels;
- blur: fine detail (Laplacian variance) is at most BLUR_RATIO of the source's, or below DETAIL_FLOOR
  (measured on generated footage: a blurred region keeps <= 0.31 of it after encoding, a skipped one >= 0.91);
- pixelate: the spread inside each block is at most PIXEL_RATIO of the source's, or below SPREAD_FLOOR;
- blur and pixelate: the output keeps at most MAX_RETAINED of the source's fine detail (measures.retained_detail:
  the least-squares weight of the source region's detail, finer than the minimum pixelate block, in the output's).
  Measured after encoding (21 frames each of 40, 100 and 300 px regions): effects at the minimum strength keep
  <= 0.49, pixelate blocks of 1 px >= 0.96, of 2 px >= 0.80, a skipped mask ~1.0;
- mute: at most -60 dBFS; bleep: at least 90% of the energy at 1 kHz.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from reviewer.errors import ReviewerError
from reviewer.export import overlays as ov
from reviewer.media.geometry import stream_geometry
from reviewer.export.audio_redact import BLEEP_HZ, dbfs
from reviewer.export.measures import detail_probe, measure, retained_detail, visible_interiors
from reviewer.export.pipeline import EncodeRecord
from reviewer.export.settings import ExportRequest
from reviewer.progress import NO_TASK, Task
from reviewer.redact.model import EffectKind, MaskSet
from reviewer.redact.planes import Planes
from reviewer.redact.render import effect_of, regions_at

SOLID_TOLERANCE = 12.0
BLUR_RATIO, DETAIL_FLOOR = 0.5, 10.0  # measured: blurred <= 0.31, a skipped mask >= 0.91
PIXEL_RATIO, SPREAD_FLOOR = 0.35, 3.0
MAX_RETAINED = 0.75
MUTE_DBFS = -60.0
BLEEP_SHARE = 0.90


@dataclass
class LeakReport:
    frames_checked: int = 0
    regions_checked: int = 0
    audio_ranges_checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict:
        return {"passed": self.passed, "frames_checked": self.frames_checked,
                "regions_checked": self.regions_checked, "audio_ranges_checked": self.audio_ranges_checked,
                "failures": self.failures[:50]}


class LeakDetected(ReviewerError):
    def __init__(self, path: Path, report: LeakReport):
        self.report = report
        more = f" (+{len(report.failures) - 5} more)" if len(report.failures) > 5 else ""
        super().__init__(f"{path}: leak check FAILED, export discarded: " + "; ".join(report.failures[:5]) + more)


def obscured(kind: EffectKind, out_value: float, src_value: float) -> bool:
    if kind is EffectKind.SOLID:
        return out_value <= SOLID_TOLERANCE
    if kind is EffectKind.PIXELATE:
        return out_value <= max(PIXEL_RATIO * src_value, SPREAD_FLOOR)
    return out_value <= max(BLUR_RATIO * src_value, DETAIL_FLOOR)


def check_video(path: Path, record: EncodeRecord, mask_set: MaskSet, request: ExportRequest, time_base,
                report: LeakReport, task: Task) -> None:
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.codec_context.thread_type = "AUTO"
        exclude = None
        k = 0
        for frame in c.decode(vs):
            if exclude is None:  # laid out as the copy itself says it is shown (ADR 0022)
                exclude = ov.strips(request.overlays, vs.codec_context.width, vs.codec_context.height,
                                    stream_geometry(vs, frame))
            if k >= len(record.frames):
                report.failures.append(f"output has more frames than planned ({k + 1} > {len(record.frames)})")
                break
            plan = record.frames[k]
            want = float(plan.out_pts * time_base)
            got = float(frame.pts * frame.time_base) if frame.pts is not None else -1.0
            if abs(got - want) > 0.0006:
                report.failures.append(f"output frame {k}: time {got:.4f}s, expected {want:.4f}s")
            planes = Planes.from_frame(frame)
            regions = regions_at(mask_set, plan.src_pts, planes.width, planes.height)
            inners = visible_interiors([reg for _, reg in regions], exclude)
            probes = record.source_probes[k] if k < len(record.source_probes) else []
            for n, ((track, region), inner, src_value) in enumerate(zip(regions, inners, record.source_measures[k])):
                effect = effect_of(track)
                value = measure(effect, planes.y, planes.u, planes.v, region, inner)
                report.regions_checked += 1
                name = "blackout" if track is None else (track.label or track.id[:8])
                if not obscured(effect.kind, value, src_value):
                    report.failures.append(
                        f"frame {plan.src_index} (output frame {k}): region '{name}' not obscured "
                        f"({effect.kind.value} measure {value:.1f} vs source {src_value:.1f})")
                    continue
                src_probe = probes[n] if n < len(probes) else None
                if src_probe is not None:
                    kept = retained_detail(detail_probe(planes.y, region, inner), src_probe)
                    if kept > MAX_RETAINED:
                        report.failures.append(
                            f"frame {plan.src_index} (output frame {k}): region '{name}' still shows the source "
                            f"({effect.kind.value} {effect.strength} keeps {kept:.0%} of its fine detail)")
            k += 1
            report.frames_checked = k
            if k % 16 == 0:
                task.check("leak check")
                task.report(k / max(1, len(record.frames)), f"leak check frame {k}")
        if k < len(record.frames):
            report.failures.append(f"output has {k} frames, expected {len(record.frames)}")


def check_audio(path: Path, record: EncodeRecord, report: LeakReport) -> None:
    if not record.audio_spans_out:
        return
    with av.open(str(path)) as c:
        if not c.streams.audio:
            report.failures.append("audio redaction ranges exist but the output has no audio")
            return
        stream = c.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
        chunks, starts = [], []
        for frame in c.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray()[0])
                starts.append(float(out.pts * out.time_base) if out.pts is not None else None)
    if not chunks:
        report.failures.append("output audio could not be decoded")
        return
    t0 = starts[0] or 0.0
    samples = np.concatenate(chunks)
    for s, e, mode in record.audio_spans_out:
        a, b = int((s - t0) * rate), int((e - t0) * rate)
        seg = samples[max(0, a):max(0, b)]
        report.audio_ranges_checked += 1
        if seg.size == 0:
            continue
        if mode == "bleep":
            spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size))) ** 2
            freqs = np.fft.rfftfreq(seg.size, 1 / rate)
            share = spec[np.abs(freqs - BLEEP_HZ) <= 30].sum() / max(spec.sum(), 1e-20)
            if share < BLEEP_SHARE:
                report.failures.append(f"audio {s:.2f}-{e:.2f}s: bleep carries other sound ({share:.0%} at 1 kHz)")
        else:
            level = dbfs(seg)
            if level > MUTE_DBFS:
                report.failures.append(f"audio {s:.2f}-{e:.2f}s: muted range measures {level:.1f} dBFS (> -60)")


def make_checker(mask_set: MaskSet, request: ExportRequest, time_base, report: LeakReport,
                 out_path: Path | None = None):
    """`out_path`: the export's name for the user (the file checked is its temporary twin)."""
    def check(path: Path, record: EncodeRecord, task: Task = NO_TASK) -> None:
        check_video(path, record, mask_set, request, time_base, report, task)
        check_audio(path, record, report)
        if not report.passed:
            raise LeakDetected(out_path or path, report)

    return check
