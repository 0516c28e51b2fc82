"""The leak check of an incident composite: decode the finished copy and prove, tile by tile and frame by frame,
that each recording's masks are applied where they land in its tile, and that the chosen sound's mutes and
bleeps hold (leakcheck.check_audio, as for a single export).

In a tile the picture has been shown as displayed and scaled, so pixelation blocks no longer sit on the source's
grid and the single export's block and detail measures, calibrated on stored pixels, do not carry over. What the
tile check asks instead: at sample points inside each region, is the copy closer to the tile as redacted than to
the tile unredacted? (Strengths themselves are the single export's concern: the same redact() and validation.) A
solid fill is also held to its colour (ADR 0005's SOLID_TOLERANCE). A failure names the camera and its frame.
The rule and its measured margins: ADR 0024.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from reviewer.export.composite_plan import CompositePlan
from reviewer.export.composite_tiles import interiors, tile_regions
from reviewer.export.leakcheck import SOLID_TOLERANCE, LeakDetected, LeakReport, check_audio
from reviewer.export.measures import measure
from reviewer.export.pipeline import EncodeRecord
from reviewer.progress import NO_TASK, Task
from reviewer.redact.model import EffectKind, MaskSet
from reviewer.redact.planes import Planes
from reviewer.redact.render import effect_of

# mean grey levels between a region unredacted and redacted below which the effect changed nothing there to leak
# (a blur over a flat wall): the copy then matches both and is judged by neither
MIN_CHANGE = 2.0


@dataclass(frozen=True)
class TileFrame:
    index: int  # the recording's frame in this tile
    pts: int
    samples: list  # per region: composite_tiles.Samples (None: too small to show anything)


@dataclass
class CompositeRecord:
    """What the encoder wrote: per output frame, per tile, the frame shown (None: a black tile)."""

    frames: list[list[TileFrame | None]] = field(default_factory=list)
    audio: EncodeRecord = field(default_factory=EncodeRecord)  # audio_rate and audio_spans_out, for check_audio


def _crop(planes: Planes, box) -> Planes:
    x, y, w, h = box  # even, so the chroma crop is exact
    return Planes(planes.y[y:y + h, x:x + w], planes.u[y // 2:(y + h) // 2, x // 2:(x + w) // 2],
                  planes.v[y // 2:(y + h) // 2, x // 2:(x + w) // 2], w, h)


def check_video(path: Path, plan: CompositePlan, mask_sets: dict[str, MaskSet], record: CompositeRecord,
                report: LeakReport, task: Task) -> None:
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.codec_context.thread_type = "AUTO"
        k = 0
        for frame in c.decode(vs):
            if k >= len(record.frames):
                report.failures.append(f"output has more frames than planned ({k + 1} > {len(record.frames)})")
                break
            planes = Planes.from_frame(frame)
            for spec, shown in zip(plan.tiles, record.frames[k]):
                if shown is None or not shown.samples:
                    continue
                tile = _crop(planes, spec.picture)
                regions = tile_regions(spec, mask_sets[spec.key], shown.pts)
                for tr, inner, samples in zip(regions, interiors(regions), shown.samples):
                    effect = effect_of(tr.track)
                    report.regions_checked += 1
                    where = f"camera {spec.camera} frame {shown.index} (output frame {k}): region '{tr.name}'"
                    if effect.kind is EffectKind.SOLID:
                        value = measure(effect, tile.y, tile.u, tile.v, tr.region, inner)
                        if value > SOLID_TOLERANCE:
                            report.failures.append(f"{where} not obscured (solid fill off by {value:.1f} levels)")
                            continue
                    if samples is None:
                        continue
                    got = tile.y[samples.rows, samples.cols].astype(np.float32)
                    to_redacted = float(np.abs(got - samples.after).mean())
                    to_source = float(np.abs(got - samples.before).mean())
                    if float(np.abs(samples.before - samples.after).mean()) >= MIN_CHANGE \
                            and to_source <= to_redacted:
                        report.failures.append(
                            f"{where} still shows the source ({effect.kind.value}: {to_source:.1f} grey levels from "
                            f"the unredacted picture, {to_redacted:.1f} from the redacted one)")
            k += 1
            report.frames_checked = k
            if k % 16 == 0:
                task.check("leak check")
                task.report(k / max(1, len(record.frames)), f"leak check frame {k}")
        if k < len(record.frames):
            report.failures.append(f"output has {k} frames, expected {len(record.frames)}")


def make_checker(plan: CompositePlan, mask_sets: dict[str, MaskSet], report: LeakReport, out_path: Path):
    def check(path: Path, record: CompositeRecord, task: Task = NO_TASK) -> None:
        check_video(path, plan, mask_sets, record, report, task)
        check_audio(path, record.audio, report)
        if not report.passed:
            raise LeakDetected(out_path, report)

    return check
