"""Automatic alignment of an incident's recordings by what their cameras heard (issue 13 s.1; ADR 0019).

Each recording's audio is decoded once into an onset envelope; every pair is cross-correlated within the search
window around the lag the current incident clock predicts; confident pairs are solved together for one start
(and, over long overlaps, one drift) per recording relative to the reference, whose placement is kept. Nothing
is changed here: the result is a proposal the user accepts (reviewer/incident/service.py) or nudges.

Long work: `task` reports progress (decoding is most of it) and its cancel token stops between files and pairs.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from reviewer.errors import ReviewerError
from reviewer.incident.correlate import PairMeasure, measure
from reviewer.incident.onset import Envelope, EnvelopeCache, onset_envelope
from reviewer.incident.solve import Edge, solve
from reviewer.media.audio_track import decode_mono
from reviewer.progress import NO_TASK, Task

SEARCH_SECONDS = 45.0  # each camera clock may be 20 s out, so a pair up to 40 s; the margin keeps a true peak
# off the window's edge
MIN_NCC = 0.2  # below this the peak is not the same sound (silence against a scene: ~0.1; a scene: > 0.5)
MAX_DECODERS = 4  # one per core; more only queue behind each other
MIN_PSR = 10.0  # the peak must stand this many deviations above the other lags (silence: < 7; a scene: > 25)


@dataclass(frozen=True)
class AlignInput:
    key: str  # the recording's SHA-256
    path: Path
    origin_seconds: float  # container time of the first presented frame
    start: float  # where the incident clock places its media time 0 now (seconds)
    start_known: bool  # False: no camera time and no offset set; its lags are searched without a window
    drift_ppm: float = 0.0


@dataclass
class PairResult:
    a: str
    b: str
    lag: float | None  # s_b - s_a, seconds, at a's start
    ncc: float = 0.0
    psr: float = 0.0
    slope_ppm: float | None = None  # rho_a - rho_b
    confident: bool = False
    consistent: bool | None = None  # None: not used in the solution (not confident)
    residual: float | None = None

    def to_json(self) -> dict:
        return {"a": self.a, "b": self.b, "lag": self.lag, "ncc": round(self.ncc, 4), "psr": round(self.psr, 2),
                "drift_ppm": self.slope_ppm, "confident": self.confident, "consistent": self.consistent,
                "residual": self.residual}


@dataclass
class Placement:
    key: str
    start: float  # proposed incident seconds of media time 0 (the current one when not aligned)
    drift_ppm: float | None  # proposed, relative to the reference; None: not measured
    status: str  # reference | aligned | no_audio | low_confidence
    confidence: float  # best normalised correlation linking it to the solution (0 when none)

    @property
    def aligned(self) -> bool:
        return self.status in ("reference", "aligned")


@dataclass
class Proposal:
    reference: str
    placements: dict[str, Placement]
    pairs: list[PairResult]
    timings: dict[str, float] = field(default_factory=dict)  # decode, correlate (seconds)


def _envelopes(inputs: list[AlignInput], task: Task, cache: EnvelopeCache | None) -> dict[str, Envelope | None]:
    """Each recording's envelope: from the cache, else decoded. Decoding runs one recording per core: FFmpeg's
    audio decode releases the GIL, and a first alignment is almost all decode. Workers only note their progress;
    this thread reports it (summed, so it only rises) and is where cancelling is noticed."""
    out: dict[str, Envelope | None] = {}
    todo = []
    for inp in inputs:
        task.check("alignment")
        if cache is not None:
            try:
                out[inp.key] = cache.load(inp.key)
                continue
            except KeyError:
                pass
        todo.append(inp)
    if not todo:
        return out
    n = len(inputs)
    done = n - len(todo)
    fractions = {inp.key: 0.0 for inp in todo}

    def work(inp: AlignInput) -> Envelope | None:
        def note(f: float, _label: str) -> None:
            fractions[inp.key] = max(fractions[inp.key], f)  # one writer per key; the reader tolerates staleness
        part = Task(note, task.cancel)
        track = decode_mono(inp.path, inp.origin_seconds, task=part)
        return None if track is None or track.samples.size == 0 else onset_envelope(track, part)

    workers = max(1, min(len(todo), os.cpu_count() or 1, MAX_DECODERS))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="align-decode") as pool:
        futures = {pool.submit(work, inp): inp for inp in todo}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            for fut in finished:
                inp = futures[fut]
                out[inp.key] = fut.result()  # a decode error or Cancelled surfaces here, naming its file
                if cache is not None:
                    cache.save(inp.key, out[inp.key])
            left = len(pending)
            task.report(0.8 * min(1.0, (done + sum(fractions.values())) / n),
                        f"decoding audio ({len(todo) - left} of {len(todo)} done)")
    return out


def propose(inputs: list[AlignInput], reference: str | None = None, task: Task = NO_TASK,
            search: float = SEARCH_SECONDS, cache: EnvelopeCache | None = None) -> Proposal:
    """Proposed placements for `inputs` (two or more recordings of one incident). `reference`: the key whose
    placement is kept (default: the recording best connected to the others). `cache`: envelopes by SHA-256 (the
    keys must then be the recordings' SHA-256)."""
    t0 = time.perf_counter()
    envs = _envelopes(inputs, task, cache)
    t1 = time.perf_counter()
    by_key = {i.key: i for i in inputs}
    if reference is not None and envs.get(reference) is None:
        raise ReviewerError(f"{by_key[reference].path}: the reference recording has no audio to align by; "
                            "choose one that heard the incident")
    pairs: list[PairResult] = []
    measures: dict[tuple[str, str], PairMeasure] = {}
    audible = [i.key for i in inputs if envs.get(i.key) is not None]
    todo = list(combinations(audible, 2))
    for n, (ka, kb) in enumerate(todo):
        task.check("alignment")
        task.report(0.8 + 0.2 * n / max(1, len(todo)), "correlating")
        a, b = by_key[ka], by_key[kb]
        window = search if a.start_known and b.start_known else None
        m = measure(envs[ka], envs[kb], b.start - a.start, window)
        if m is None:
            pairs.append(PairResult(ka, kb, None))
            continue
        measures[(ka, kb)] = m
        ok = m.peak.ncc >= MIN_NCC and m.peak.psr >= MIN_PSR
        pairs.append(PairResult(ka, kb, m.lag0, m.peak.ncc, m.peak.psr,
                                None if m.slope is None else m.slope * 1e6, ok))
    confident = [p for p in pairs if p.confident]
    if reference is None:
        score = {k: sum(p.ncc for p in confident if k in (p.a, p.b)) for k in by_key}
        reference = max(by_key, key=lambda k: (score[k], k in audible, -list(by_key).index(k)))
    ref = by_key[reference]
    edges = {(p.a, p.b): Edge(p.a, p.b, p.lag, p.ncc) for p in confident}
    sol = solve(list(by_key), list(edges.values()), reference, ref.start)
    for p in confident:
        e = edges[(p.a, p.b)]
        p.consistent, p.residual = e.consistent, e.residual
    drift_edges = [Edge(p.a, p.b, -p.slope_ppm, p.ncc) for p in confident
                   if p.consistent and p.slope_ppm is not None]
    drift = solve(list(by_key), drift_edges, reference, ref.drift_ppm, tolerance=float("inf")).values
    placements: dict[str, Placement] = {}
    for k, inp in by_key.items():
        linked = [p.ncc for p in confident if p.consistent and k in (p.a, p.b)]
        if k == reference:
            status = "reference" if envs.get(k) is not None else "no_audio"
        elif envs.get(k) is None:
            status = "no_audio"
        elif k in sol.values:
            status = "aligned"
        else:
            status = "low_confidence"
        start = sol.values[k] if status == "aligned" else inp.start
        d = drift.get(k) if status in ("aligned", "reference") and k in drift else None
        placements[k] = Placement(k, start, d, status, max(linked, default=0.0))
    t2 = time.perf_counter()
    task.report(1.0, "aligned")
    return Proposal(reference, placements, pairs, {"decode": t1 - t0, "correlate": t2 - t1})
