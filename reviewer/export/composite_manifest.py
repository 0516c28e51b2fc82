"""The manifest of an incident composite: the single export's schema (reviewer/export/manifest.py, sealed and
signed the same way, so `reviewer verify` checks it), with "kind": "composite", the incident interval, and every
source: its SHA-256, its place on the incident clock (offset, drift), its tile, and the frames and incident times
it covers. The masks of all sources are hashed as one record keyed by SHA-256; each source also names its own."""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.export import manifest as mf
from reviewer.export.composite_leak import CompositeRecord
from reviewer.export.composite_plan import CompositePlan


@dataclass(frozen=True)
class SourceFacts:
    """What the manifest says of one source besides the plan: the library's view of it and its decision."""

    view: object  # RecordingView
    size: int
    mask_json: dict
    redacted: bool
    approval: dict | None


def covered(plan: CompositePlan, record: CompositeRecord, n: int) -> dict:
    """The frames tile n showed: first and last, how many output frames had footage, and their incident times."""
    shown = [(k, f[n]) for k, f in enumerate(record.frames) if f[n] is not None]
    if not shown:
        return {"first_frame": None, "last_frame": None, "output_frames_with_footage": 0}
    (k0, a), (k1, b) = shown[0], shown[-1]
    clock, key = plan.clock, plan.tiles[n].key
    return {"first_frame": a.index, "last_frame": b.index, "output_frames_with_footage": len(shown),
            "first_output_frame": k0, "last_output_frame": k1,
            "first_frame_incident_time": round(clock.time_of_frame(key, a.index), 6),
            "last_frame_incident_time": round(clock.time_of_frame(key, b.index), 6)}


def build(*, plan: CompositePlan, record: CompositeRecord, facts: dict[str, SourceFacts], out_name: str,
          out_sha256: str, out_size: int, settings: dict, provenance, leak: dict | None, sound: dict | None,
          c2pa: dict) -> dict:
    clock = plan.clock
    sources = []
    for n, spec in enumerate(plan.tiles):
        p, f = clock.get(spec.key), facts[spec.key]
        sources.append({
            "recording_id": spec.recording_id, "name": f.view.file_name, "sha256": spec.key, "size": f.size,
            "camera": spec.camera, "camera_start": p.camera_start and p.camera_start.isoformat(),
            "offset_us": p.offset_us, "drift_ppm": p.drift_ppm, "placement": p.source,
            "incident_start": round(clock.start(spec.key), 6), "tile": list(spec.cell), "picture": list(spec.picture),
            "label": list(spec.label),
            **covered(plan, record, n),
            "masks_sha256": mf.mask_hash(f.mask_json), "redacted": f.redacted, "approval": f.approval})
    mask_data = {k: facts[k].mask_json for k in (t.key for t in plan.tiles)}
    return mf.sign(mf.seal({
        "schema": mf.SCHEMA,
        "version": mf.VERSION,
        "kind": "composite",
        "incident": {**plan.interval.to_json(clock), "layout": plan.layout,
                     "output_rate": f"{plan.step.denominator}/{plan.step.numerator}",
                     "frame_step": f"{plan.step.numerator}/{plan.step.denominator}",
                     "rule": "output frame k shows, in every tile, that recording's frame at incident time "
                             "from + k * frame_step; a tile without footage at that time is black and says so"},
        "sources": sources,
        "audio": sound,
        "output": {"name": out_name, "size": out_size, "sha256": out_sha256, "frames": len(record.frames),
                   "duration": round(float(len(record.frames) * plan.step), 6), "width": plan.width,
                   "height": plan.height, "container": "mp4", "video": "h264/yuv420p",
                   "audio": "aac" if sound else None},
        # one record for verify's mask-set check; per-source approvals are in "sources"
        "masks": {"sha256": mf.mask_hash(mask_data), "data": mask_data, "approval": None},
        "settings": settings,
        **mf.who_made_it(provenance),
        "leak_check": leak,
        "c2pa": c2pa,
    }), provenance.workstation)
