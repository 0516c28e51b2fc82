"""Exporting a library recording: load its masks, run the export, write the report. The CLI and the UI's export
queue both call run_export, so there is one path from "export" to files on disk."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from reviewer.atomic import stage_bytes
from reviewer.config import workstation_id
from reviewer.errors import ReviewerError
from reviewer.export import credential as cred
from reviewer.export import report
from reviewer.export.disclose import disclose
from reviewer.export.job import ExportResult, export
from reviewer.export.manifest import manifest_path_for
from reviewer.export.settings import EncoderSettings, ExportRequest, Overlays, Provenance
from reviewer.govern.gated import gated
from reviewer.govern.roles import Action
from reviewer.outputs import check_output_path, removed_on_failure
from reviewer.progress import NO_TASK, Task
from reviewer.redact.approval import decide_export
from reviewer.redact.reasons import require_reasons
from reviewer.redact.store import MaskStore


@dataclass(frozen=True)
class ExportJob:
    recording_id: str
    out: Path
    ranges: tuple[tuple[int, int], ...] = ()
    separate: bool = False
    purpose: str = ""
    recipient: str = ""
    overlays: tuple[str, ...] = ()  # "banner", "watermark", "timestamp"
    audio: bool = True
    preset: str = "veryfast"
    crf: int = 18
    report: bool = True
    overwrite: bool = False  # replace existing outputs (the CLI's --overwrite, or the UI after asking)
    make_dirs: bool = False  # create a missing output folder (and say so)
    package: Path | None = None  # also write this disclosure package (ZIP, reviewer/export/package.py)
    incident: dict | None = None  # one of an incident's separate exports: its interval, for the manifest

    def with_ranges(self, ranges) -> "ExportJob":
        return dataclasses.replace(self, ranges=tuple(tuple(r) for r in ranges))

    def outputs(self) -> list[tuple[Path, tuple[tuple[int, int], ...]]]:
        """(path, ranges) per file: one joined file, or OUT-1.mp4, OUT-2.mp4, ... with --separate."""
        if not self.separate or len(self.ranges) <= 1:
            return [(self.out, self.ranges)]
        return [(self.out.with_name(f"{self.out.stem}-{n}{self.out.suffix}"), (r,))
                for n, r in enumerate(self.ranges, start=1)]


def report_bookmarks(library, opened, mask_set, ranges, width: int = 320) -> list[report.ReportBookmark]:
    """Bookmarks inside the exported ranges, with thumbnails redacted by the same redact() as the export:
    a report must never show what the copy hides."""
    import cv2

    from reviewer.annotate.service import Annotations
    from reviewer.media.geometry import Geometry
    from reviewer.redact.planes import Planes
    from reviewer.redact.render import redact

    table = opened.table
    spans = ranges or ((0, table.frame_count - 1),)
    out = []
    with opened.reader(cache_bytes=64 * 1024 * 1024) as reader:
        for b in Annotations(library).bookmarks.list(opened.view.id):
            try:
                i = table.index_of_pts(b.pts)
            except KeyError:
                continue
            if not any(a <= i <= z for a, z in spans):
                continue
            frame = reader.frame(i)
            planes = Planes.from_frame(frame.video)
            redact(planes, mask_set, frame.pts)
            rgb = Geometry.of(opened.info).to_display(planes.to_rgb())  # the report shows it as displayed
            thumb = cv2.resize(rgb, (width, max(2, round(rgb.shape[0] * width / rgb.shape[1]))),
                               interpolation=cv2.INTER_AREA)
            out.append(report.ReportBookmark(i, b.title, b.category, b.note, thumb))
    return out


@gated(Action.EXPORT_REDACTED, Action.EXPORT_UNREDACTED)
def run_export(library, job: ExportJob, opened=None, task: Task = NO_TASK,
               progress: Callable[[float, str], None] | None = None, role: str | None = None) -> list[ExportResult]:
    """Export a recording as the current user. Only an approved mask set makes a redacted copy; anything else
    is an unredacted copy, which the permission matrix keeps from trainers, and disclosures need approval too
    (reviewer/redact/approval.py decides). Every output is a disclosure (DPA 2018 s62): recorded through the
    gate as "recording.export" outcome "started" (recipient, purpose, output and manifest hashes) before any of
    its files gets its final name, then "ok" or "failed" (reviewer.export.disclose)."""
    if progress is not None and task.progress is None:
        task = Task(progress=progress, cancel=task.cancel)
    job = dataclasses.replace(job, out=Path(job.out).expanduser().absolute(),  # the audit trail names it in full
                              package=job.package and Path(job.package).expanduser().absolute())
    if job.package and not job.report:
        raise ReviewerError(f"{job.package}: a disclosure package holds the PDF report; do not skip the report")
    view = library.get(job.recording_id)
    mask_set = MaskStore(library).load(view.id)
    # which permission, checked (a refusal audited) before anything is opened, decoded or created
    decision = decide_export(library, view.id, mask_set, job.purpose,
                             {"recipient": job.recipient, "purpose": job.purpose})
    outputs = job.outputs()
    # before any decoding, and before a folder is made for it: a workstation that cannot sign refuses here
    credential = cred.for_library(library, view, decision, job.recipient, job.purpose)
    created = check_outputs(library.paths.home, job, outputs)
    with removed_on_failure(created):
        results = _run(library, job, opened, task, view, mask_set, decision, outputs, created, credential)
    if job.package:
        from reviewer.export import package

        pkg = package.build(library, results, job.package, decision, view.id, job.recipient, job.purpose,
                            job.overwrite)
        results = [dataclasses.replace(r, package=pkg) for r in results]
    return results


def _run(library, job: ExportJob, opened, task: Task, view, mask_set, decision, outputs,
         created: tuple, credential: cred.Credential) -> list[ExportResult]:
    reason = f"disclosure to {job.recipient or 'unnamed recipient'}: {job.purpose or 'no purpose given'}"
    opened = opened or library.open_recording(view.id, reason=reason)
    view = opened.view
    credential = credential.at(opened.path)
    require_reasons(mask_set, opened.table)  # the court report states each mask's reason: never a blank one
    role = decision.role.value
    approval = decision.approval.to_json() if decision.approval else None
    ov = Overlays(redacted_banner="banner" in job.overlays, incident_ref=view.incident_ref or "",
                  watermark=f"For: {job.recipient}" if "watermark" in job.overlays and job.recipient else "",
                  timestamp="timestamp" in job.overlays)
    who = Provenance(operator=library.actor, role=role, workstation=workstation_id(library.paths.home),
                     purpose=job.purpose, recipient=job.recipient, recording_id=view.id,
                     incident_ref=view.incident_ref or "", approval=approval)
    results = []
    for n, (path, ranges) in enumerate(outputs):
        sub = Task(progress=None if task.progress is None else
                   (lambda f, label, n=n: task.report((n + f) / len(outputs), label)), cancel=task.cancel)
        request = ExportRequest(ranges=ranges, encoder=EncoderSettings(job.preset, job.crf, job.audio), overlays=ov)
        publish = _publisher(library, job, opened, mask_set, decision, path, ranges)
        # open_recording re-hashed the original moments ago: no second full read of it
        res = export(opened, mask_set, request, path, who, sub, expected_sha256=view.sha256, source_verified=True,
                     publish=publish, overwrite=job.overwrite, credential=credential, incident=job.incident)
        results.append(dataclasses.replace(res, created=created if n == 0 else ()))
    return results


def check_outputs(home, job: ExportJob, outputs) -> tuple:
    """Every file the job will write, checked before any work: video, manifest and (if asked) report."""
    created: list = []
    for path, _ranges in outputs:
        for p in (path, manifest_path_for(path), *((report.report_path_for(path),) if job.report else ())):
            created += check_output_path(home, p, job.overwrite, job.make_dirs, "export").created
    if job.package:
        created += check_output_path(home, job.package, job.overwrite, job.make_dirs, "disclosure package").created
    return tuple(created)


def _publisher(library, job: ExportJob, opened, mask_set, decision, path, ranges):
    """The last step of one output: report staged beside the manifest, the disclosure recorded as started, then
    the names given (manifest, report, video last) and the outcome recorded."""
    view = opened.view

    def publish(tmp_video, manifest: dict, staged: list) -> None:
        staged = list(staged)
        if job.report:
            marks = report_bookmarks(library, opened, mask_set, ranges)
            rpath = report.report_path_for(path)
            # a report that cannot be written fails the whole export: nothing is published
            staged.append((stage_bytes(rpath, report.render(manifest, opened.table, marks)), rpath))
        staged.append((tmp_video, path))
        approval = decision.approval.to_json() if decision.approval else None
        disclose(library.gov, decision.action, view.id, "recording.export", {
            "recipient": job.recipient, "purpose": job.purpose, "redacted": decision.redacted,
            "approved_by": approval and approval["approved_by"],
            "output": str(path), "output_sha256": manifest["output"]["sha256"],
            "manifest_sha256": manifest["manifest_sha256"], "mask_set_sha256": manifest["masks"]["sha256"],
            "ranges": [[a, b] for a, b in ranges] or "all", "frames": manifest["output"]["frames"],
            "c2pa": manifest.get("c2pa"),
        }, staged, job.overwrite, justification=job.purpose or None)

    return publish
