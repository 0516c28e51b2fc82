"""An incident's separate exports (issue 13 s.4): each recording's part of one incident interval as its own file,
through the single export (run_export: its masks, leak check, manifest, report, disclosure, credential).

Aligned to the interval: each file's first frame is that recording's frame at the interval's start (its frame 0
when it starts later), and its last is the frame it shows just before the end (its last when it stops earlier),
by the incident clock, so a frame at the same offset into any two files was on screen at the same incident time
whenever both cameras were running. Each manifest notes the interval and the recording's place on the clock.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.export.composite_plan import Interval
from reviewer.export.service import ExportJob, check_outputs, run_export
from reviewer.progress import Task

END_EPSILON = 1e-7  # seconds: "just before the end" of the interval, far inside any frame


def frame_range(clock, key: str, interval: Interval) -> tuple[int, int] | None:
    """(first, last) frame of recording `key` shown in [start, end), or None if it shows none."""
    p = clock.get(key)
    if clock.start(key) >= interval.end or clock.end(key) <= interval.start:
        return None
    first = clock.frame_at(key, interval.start).index
    if first is None:  # the recording starts inside the interval
        first = 0
    last = clock.frame_at(key, interval.end - END_EPSILON).index
    if last is None:  # it stops inside the interval
        last = p.table.frame_count - 1
    return (first, last) if last >= first else None


def output_path(out: Path, view) -> Path:
    return out.with_name(f"{out.stem}-{view.short_id}{out.suffix or '.mp4'}")


def run_separate(library, job, clock, sources, task: Task) -> list:
    reason = f"incident {job.incident} separate exports for {job.recipient or 'unnamed recipient'}: " \
             f"{job.purpose or 'no purpose given'}"
    opened = {s.view.sha256: library.open_recording(s.view.id, reason=reason) for s in sources}
    bound = clock.bind({k: o.table for k, o in opened.items()})
    spans = {s.view.sha256: frame_range(bound, s.view.sha256, job.interval) for s in sources}
    without = [s.view.id for s in sources if spans[s.view.sha256] is None]
    jobs = []
    for s in sources:
        key = s.view.sha256
        if spans[key] is None:
            continue
        a, b = spans[key]
        p = bound.get(key)
        note = {**job.interval.to_json(bound), "recording_start": round(bound.start(key), 6),
                "offset_us": p.offset_us, "drift_ppm": p.drift_ppm, "placement": p.source,
                "first_frame": a, "first_frame_incident_time": round(bound.time_of_frame(key, a), 6),
                "last_frame": b, "last_frame_incident_time": round(bound.time_of_frame(key, b), 6),
                "cameras": [x.view.id for x in sources], "cameras_without_footage": without}
        jobs.append((key, ExportJob(recording_id=s.view.id, out=output_path(job.out, s.view), ranges=((a, b),),
                                    purpose=job.purpose, recipient=job.recipient, audio=job.audio,
                                    preset=job.preset, crf=job.crf, report=job.report, overwrite=job.overwrite,
                                    make_dirs=job.make_dirs, incident=note)))
    if not jobs:
        raise ReviewerError(f"incident {job.incident}: no chosen recording has footage between "
                            f"{job.interval.start:g} and {job.interval.end:g} s")
    created = []
    for _key, ej in jobs:  # every file of every recording checked before the first is written
        created += check_outputs(library.paths.home, ej, ej.outputs())
    results = []
    for n, (key, ej) in enumerate(jobs):
        sub = Task(progress=None if task.progress is None else
                   (lambda f, label, n=n: task.report((n + f) / len(jobs), f"camera {n + 1} of {len(jobs)}: {label}")),
                   cancel=task.cancel)
        for r in run_export(library, dataclasses.replace(ej, make_dirs=False), opened=opened[key], task=sub):
            results.append(dataclasses.replace(r, created=tuple(created) if n == 0 else ()))
    return results
