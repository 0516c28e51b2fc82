"""Exporting an incident's time range (issue 13 s.4): one synchronised composite (1x2 or 2x2 tiles), or each
recording's range as its own file, aligned to the same incident interval (incident_separate.py). The CLI
(`reviewer incident export`) and the grid window both call run_incident_export.

The permission and approval rules are the single export's, per source (approval.decide_export: a trainer, or a
disclosure, needs each source's masks approved), checked and audited before anything is opened or decoded. A
composite is one disclosure: one gate on the incident ("incident.export"), EXPORT_REDACTED only when every
source's mask set is approved, recorded "started" before the file gets its name (disclose.py, ADR 0009).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reviewer.config import workstation_id
from reviewer.errors import ReviewerError
from reviewer.export import composite_manifest as cm
from reviewer.export import composite_publish as cp
from reviewer.export import credential as cred
from reviewer.export import manifest as mf
from reviewer.export.composite_encode import encode, sound_plan
from reviewer.export.composite_leak import make_checker
from reviewer.export.composite_plan import Interval, make_plan
from reviewer.export.composite_tiles import TileSource
from reviewer.export.job import ExportResult
from reviewer.export.leakcheck import LeakReport
from reviewer.export.pipeline import run_encoded
from reviewer.export.report import report_path_for
from reviewer.export.settings import EncoderSettings, Provenance
from reviewer.govern.gated import gated
from reviewer.govern.roles import Action
from reviewer.library.originals import sha256_file
from reviewer.media.geometry import Geometry
from reviewer.outputs import check_output_path, discard, removed_on_failure
from reviewer.progress import NO_TASK, Task
from reviewer.redact.approval import decide_export
from reviewer.redact.reasons import require_reasons
from reviewer.redact.render import redact
from reviewer.redact.store import MaskStore


@dataclass(frozen=True)
class IncidentExportJob:
    incident: str
    start: float  # incident seconds
    end: float  # exclusive
    out: Path
    layout: str = "2x2"  # 1x2 | 2x2 (the composite)
    separate: bool = False  # each recording's range as its own file instead
    recordings: tuple[str, ...] = ()  # ids or SHA-256s, in tile order; default every recording of the incident
    audio_from: str | None = None  # the recording whose sound the composite carries (default: the first with sound)
    purpose: str = ""
    recipient: str = ""
    preset: str = "veryfast"
    crf: int = 18
    audio: bool = True
    report: bool = True  # the PDF report beside each output
    overwrite: bool = False
    make_dirs: bool = False
    tile: tuple[int, int] | None = None  # the composite's tile picture box (default: from the first recording)
    package: Path | None = None  # also write this disclosure package (ZIP, reviewer/export/package.py)

    @property
    def interval(self) -> Interval:
        return Interval(float(self.start), float(self.end))


@dataclass(frozen=True)
class Disclosed:
    """What a package of the incident's outputs discloses, for package.build: redacted only if every source is."""

    action: Action
    redacted: bool


@dataclass(frozen=True)
class Source:
    view: object  # RecordingView
    mask_set: object
    decision: object  # ExportDecision


def camera_name(view) -> str:
    return view.device_id or view.file_name


@gated(Action.EXPORT_REDACTED, Action.EXPORT_UNREDACTED)
def run_incident_export(library, job: IncidentExportJob, task: Task = NO_TASK,
                        progress: Callable[[float, str], None] | None = None) -> list[ExportResult]:
    """The composite, or with job.separate one file per recording; every output checked before any decoding."""
    from reviewer.incident.service import IncidentClocks

    if progress is not None and task.progress is None:
        task = Task(progress=progress, cancel=task.cancel)
    job = dataclasses.replace(job, out=Path(job.out).expanduser().absolute(),  # the audit trail names it in full
                              package=job.package and Path(job.package).expanduser().absolute())
    if job.package and not job.report:
        raise ReviewerError(f"{job.package}: a disclosure package holds the PDF report; do not skip the report")
    clock = IncidentClocks(library).clock(job.incident)
    views = _chosen(library, clock, job)
    sources = _decide(library, views, job)
    created = check_output_path(library.paths.home, job.package, job.overwrite, job.make_dirs,
                                "disclosure package").created if job.package else ()
    with removed_on_failure(tuple(created)):
        if job.separate:
            from reviewer.export.incident_separate import run_separate

            results = run_separate(library, job, clock, sources, task)
        else:
            results = _run_composite(library, job, clock, sources, task)
        if job.package:
            from reviewer.export import package

            redacted = all(s.decision.redacted for s in sources)
            pkg = package.build(library, results, job.package,
                                Disclosed(Action.EXPORT_REDACTED if redacted else Action.EXPORT_UNREDACTED, redacted),
                                job.incident, job.recipient, job.purpose, job.overwrite, object_type="incident")
            results = [dataclasses.replace(r, package=pkg) for r in results]
    if created:
        results[0] = dataclasses.replace(results[0], created=(*results[0].created, *created))
    return results


def _chosen(library, clock, job: IncidentExportJob) -> list:
    keys = [clock.get(library.get(r).sha256).key for r in job.recordings] if job.recordings else \
        [p.key for p in clock.placements]
    if len(set(keys)) != len(keys):
        raise ReviewerError(f"incident {clock.reference}: a recording is chosen twice")
    views = [library.get(clock.get(k).recording_id) for k in keys]
    for v in views:
        if not v.is_local:
            raise ReviewerError(f"recording {v.short_id} ({v.file_name}): its footage is not on this workstation; "
                                f"fetch it first (reviewer sync fetch {v.id})")
    return views


def _decide(library, views, job: IncidentExportJob) -> list[Source]:
    """Each source's export decision, as its own export would take it: refused (and audited) before any work."""
    store = MaskStore(library)
    out = []
    for v in views:
        ms = store.load(v.id)
        details = {"recipient": job.recipient, "purpose": job.purpose, "incident": job.incident}
        out.append(Source(v, ms, decide_export(library, v.id, ms, job.purpose, details)))
    return out


def _run_composite(library, job: IncidentExportJob, clock, sources: list[Source], task: Task) -> list[ExportResult]:
    # before any decoding: a workstation that cannot sign (or must, and has no identity) refuses here (ADR 0021)
    credential = cred.for_incident(library, job.incident, job.recipient, job.purpose)
    action = Action.EXPORT_REDACTED if all(s.decision.redacted for s in sources) else Action.EXPORT_UNREDACTED
    mpath = mf.manifest_path_for(job.out)
    created: list = []
    report_path = (report_path_for(job.out), "export report") if job.report else None
    for p, what in ((job.out, "export"), (mpath, "export manifest"), *((report_path,) if report_path else ())):
        created += check_output_path(library.paths.home, p, job.overwrite, job.make_dirs, what).created
    reason = f"incident {job.incident} composite for {job.recipient or 'unnamed recipient'}: " \
             f"{job.purpose or 'no purpose given'}"
    with removed_on_failure(tuple(created)):
        opened = {s.view.sha256: library.open_recording(s.view.id, reason=reason) for s in sources}
        for s in sources:
            require_reasons(s.mask_set, opened[s.view.sha256].table)
        result = _compose(library, job, clock, sources, opened, action, task, credential)
    return [dataclasses.replace(result, created=tuple(created))]


def _compose(library, job, clock, sources, opened, action, task, credential) -> ExportResult:
    keys = [s.view.sha256 for s in sources]
    bound = clock.bind({k: opened[k].table for k in keys})
    plan = make_plan(bound, keys, {s.view.sha256: camera_name(s.view) for s in sources},
                     {k: Geometry.of(opened[k].info) for k in keys}, job.layout, job.interval, tile=job.tile)
    masks = {s.view.sha256: s.mask_set for s in sources}
    sound_key = _sound_key(library, job, keys, opened)
    sound = sound_plan(plan, sound_key, opened[sound_key], masks[sound_key]) if sound_key and job.audio else None
    enc = EncoderSettings(job.preset, job.crf, job.audio)
    leak = LeakReport()
    checker = make_checker(plan, masks, leak, job.out)
    who = Provenance(operator=library.actor, role=sources[0].decision.role.value,
                     workstation=workstation_id(library.paths.home),
                     purpose=job.purpose, recipient=job.recipient, incident_ref=job.incident)
    tiles = [TileSource(spec, opened[spec.key], masks[spec.key], redact) for spec in plan.tiles]
    mpath = mf.manifest_path_for(job.out)
    written: dict = {}

    def publish(tmp: Path, record) -> None:
        from reviewer.redact.model import mask_set_to_json

        facts = {s.view.sha256: cm.SourceFacts(
            s.view, opened[s.view.sha256].path.stat().st_size, mask_set_to_json(s.mask_set), s.decision.redacted,
            s.decision.approval.to_json() if s.decision.approval else None) for s in sources}
        audio = None if sound is None or record.audio.audio_rate is None else {
            "recording_id": opened[sound.key].view.id, "sha256": sound.key,
            "camera": camera_name(opened[sound.key].view), "media_from": round(sound.start, 6),
            "media_to": round(sound.end, 6), "drift_ppm": round((sound.rate - 1.0) * 1e6, 3),
            "timing": "on the incident clock: nearest sample, one repeated or dropped every 1e6/drift_ppm",
            "redactions_applied": [[round(a, 6), round(b, 6), m]
                                                                    for a, b, m in record.audio.audio_spans_out]}
        settings = {"encoder": dataclasses.asdict(enc), "layout": plan.layout, "tile": list(plan.tiles[0].cell[2:]),
                    "leak_check": True}
        signed, note = cp.sign(credential, tmp, job.out, plan, record, facts, opened, audio)
        video = signed or tmp
        try:
            written.update(cm.build(plan=plan, record=record, facts=facts, out_name=job.out.name,
                                    out_sha256=sha256_file(video), out_size=video.stat().st_size,
                                    settings=settings, provenance=who, leak=leak.to_json(), sound=audio, c2pa=note))
            cp.publish(library, job, plan, sources, action, written, {k: opened[k].table for k in keys}, video)
        finally:
            if signed:  # the unsigned encode is no output of ours: only the signed copy is ever named
                discard(signed, tmp)

    try:
        record, seconds, final = run_encoded(job.out, lambda tmp: encode(plan, tiles, sound, enc, tmp, task),
                                             task, checker, publish)
    finally:
        for t in tiles:
            t.close()
    return ExportResult(final, mpath, written, len(record.frames), seconds, leak)


def _sound_key(library, job, keys: list[str], opened) -> str | None:
    if job.audio_from:
        key = library.get(job.audio_from).sha256
        if key not in keys:
            raise ReviewerError(f"--audio-from {job.audio_from}: that recording is not one of the exported cameras")
        if not opened[key].info.has_audio:
            raise ReviewerError(f"--audio-from {job.audio_from}: {opened[key].view.file_name} has no sound")
        return key
    return next((k for k in keys if opened[k].info.has_audio), None)

