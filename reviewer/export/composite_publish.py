"""The last steps of an incident composite, after its leak check: the Content Credential (every source a component
ingredient, ADR 0024), then the manifest and report staged, the disclosure recorded "started" on the incident, the
files named (video last) and the outcome recorded (disclose.py, ADR 0009). Sign first, then hash (ADR 0021): the
manifest, the report and the disclosure log all name the signed bytes."""

from __future__ import annotations

from pathlib import Path

from reviewer.atomic import stage_bytes
from reviewer.export import composite_manifest as cm
from reviewer.export import composite_report
from reviewer.export import credential as cred
from reviewer.export import manifest as mf
from reviewer.export.disclose import disclose
from reviewer.export.report import report_path_for
from reviewer.govern.roles import Action
from reviewer.outputs import discard
from reviewer.provenance import describe
from reviewer.provenance.embed import Master


def sign(credential: cred.CompositeCredential, tmp: Path, out: Path, plan, record, facts: dict, opened: dict,
         audio: dict | None) -> tuple[Path | None, dict]:
    """(signed temp or None, the manifest's c2pa note). Each source's c2pa.placed action says which of its frames
    the copy shows and how that recording was redacted; c2pa.edited says what was done to the whole."""
    from reviewer.export.incident_export import camera_name

    sources, shown = [], []
    for n, spec in enumerate(plan.tiles):
        f, o = facts[spec.key], opened[spec.key]
        covered = cm.covered(plan, record, n)
        master = Master(o.path, f.view.file_name, spec.key)
        sources.append((master, describe.composite_source(camera_name(f.view), f.view.file_name, n, plan.layout,
                                                          covered, f.mask_json)))
        approval = f.approval or {}
        shown.append({"recording_id": spec.recording_id, "sha256": spec.key, "camera": spec.camera,
                      "redacted": f.redacted, "mask_set_sha256": mf.mask_hash(f.mask_json),
                      "approved_by": approval.get("approved_by"), "approved_at": approval.get("approved_at"),
                      "approved_mask_set_sha256": approval.get("mask_sha256"),
                      "first_frame": covered["first_frame"], "last_frame": covered["last_frame"]})
    mask_data = {spec.key: facts[spec.key].mask_json for spec in plan.tiles}
    fields = {"redacted": all(s["redacted"] for s in shown), "sources": shown,
              "mask_set_sha256": mf.mask_hash(mask_data), "frames": len(record.frames),
              "interval": [round(plan.interval.start, 6), round(plan.interval.end, 6)], "layout": plan.layout}
    edit = describe.composite_edit(len(plan.tiles), plan.clock.reference, plan.layout, len(record.frames), audio)
    return cred.embed_composite(credential, tmp, out, sources, edit, fields)


def publish(library, job, plan, sources, action: Action, written: dict, tables: dict, video: Path) -> None:
    """Stage the manifest and report, disclose on the incident, then name them and the video (last)."""
    mpath = mf.manifest_path_for(job.out)
    staged = [(stage_bytes(mpath, mf.text(written).encode("utf-8")), mpath)]
    try:
        if job.report:  # a report that cannot be written fails the whole export: nothing is published
            rpath = report_path_for(job.out)
            staged.append((stage_bytes(rpath, composite_report.render(written, tables)), rpath))
    except BaseException:
        discard(*(t for t, _final in staged))
        raise
    staged.append((video, job.out))
    try:
        disclose(library.gov, action, job.incident, "incident.export", {
            "recipient": job.recipient, "purpose": job.purpose, "redacted": action is Action.EXPORT_REDACTED,
            "kind": "composite", "from": plan.interval.start, "to": plan.interval.end, "layout": plan.layout,
            "recordings": [{"recording_id": s.view.id, "sha256": s.view.sha256, "redacted": s.decision.redacted,
                            "approved_by": s.decision.approval and s.decision.approval.approved_by}
                           for s in sources],
            "output": str(job.out), "output_sha256": written["output"]["sha256"],
            "manifest_sha256": written["manifest_sha256"], "mask_set_sha256": written["masks"]["sha256"],
            "frames": written["output"]["frames"], "c2pa": written.get("c2pa")}, staged, job.overwrite,
            justification=job.purpose or None, object_type="incident")
    finally:
        discard(*(t for t, _final in staged[:-1]))
