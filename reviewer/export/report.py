"""The human-readable report that accompanies an export into a court bundle (PDF)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reviewer.atomic import write_bytes
from reviewer.export.pdf import Document
from reviewer.media.frametable import FrameTable
from reviewer.media.timecode import format_media_time
from reviewer.redact.coverage import track_span
from reviewer.redact.model import MaskTrack


@dataclass(frozen=True)
class ReportBookmark:
    frame: int
    title: str
    category: str
    note: str
    thumbnail: np.ndarray | None  # RGB, already redacted


def _frames(table: FrameTable, start_pts: int | None, end_pts: int | None) -> str:
    if start_pts is None:
        return "-"
    a = table.index_at_or_before_pts(start_pts)
    b = table.index_at_or_before_pts(end_pts if end_pts is not None else start_pts)
    return _frame_span(table, a, b)


def _frame_span(table: FrameTable, a: int, b: int) -> str:
    return f"frames {a}-{b} ({format_media_time(table.media_time(a))} - {format_media_time(table.media_time(b))})"


def _track_frames(table: FrameTable, t: dict) -> str:
    """The frames a mask reaches by the one rule the export applied (it holds until hidden, ADR 0004)."""
    span = track_span(MaskTrack.from_json(t), table)
    return "-" if span is None else _frame_span(table, *span)


def disclosure(d: Document, manifest: dict) -> None:
    d.text(f"Created {manifest['created_at']} by {manifest['operator']['user']} ({manifest['operator']['role']}) "
           f"on {manifest['operator']['workstation']}", size=9)
    d.gap()
    d.text("Disclosure", size=12, bold=True)
    d.text(f"Recipient: {manifest.get('recipient') or '-'}")
    d.text(f"Purpose: {manifest.get('purpose') or '-'}")
    d.text(f"Incident reference: {manifest.get('incident_ref') or '-'}")
    d.gap()


def approval_line(d: Document, approval: dict | None) -> None:
    if approval:
        d.text(f"Mask set approved by {approval['approved_by']} ({approval['role']}) at {approval['approved_at']}; "
               f"approved SHA-256: {approval['mask_sha256']}", size=9)
    else:
        d.text("Mask set NOT approved by a second user: this is not a redacted copy.", size=9)


def credential_and_leak(d: Document, manifest: dict) -> None:
    d.text(f"Manifest SHA-256: {manifest['manifest_sha256']}", size=9)
    c2pa = manifest.get("c2pa")
    if c2pa is not None and c2pa.get("embedded"):
        d.text(f"Content Credentials (C2PA) embedded, signed by {c2pa['signer']} (issuer {c2pa['issuer']}; "
               f"certificate SHA-256 {c2pa['certificate_sha256']}). Any C2PA verifier can check them.", size=9)
    elif c2pa is not None:
        d.text(f"NO Content Credentials (C2PA) in this copy: {c2pa.get('reason')}.", size=9)
    leak = manifest.get("leak_check")
    if leak:
        verdict = "PASSED" if leak["passed"] else "FAILED"
        d.text(f"Leak check {verdict}: {leak['frames_checked']} frames, {leak['regions_checked']} regions, "
               f"{leak['audio_ranges_checked']} audio ranges examined in the decoded output")


def redaction_log(d: Document, table: FrameTable, data: dict) -> None:
    """Every mask and range of one recording's mask set, with the frames it reaches and its reason."""
    if not (data["tracks"] or data["blackouts"] or data["audio"]):
        d.text("No redactions were applied.")
    for t in data["tracks"]:
        kfs = t["keyframes"]
        span = _track_frames(table, t)
        why = t["reason"] + (f" - {t['reason_text']}" if t.get("reason_text") else "")
        eff = t["effect"]["kind"] + (" (inverse)" if t.get("inverse") else "")
        d.text(f"{t.get('label') or t['id'][:8]}: {t['kind']} {eff}, {span}, {len(kfs)} keyframes. Reason: {why}. "
               f"By {t.get('author') or '-'}")
    for r in data["blackouts"]:
        d.text(f"Full-frame blackout: {_frames(table, r['start_pts'], r['end_pts'])}. Reason: {r['reason']}")
    for r in data["audio"]:
        d.text(f"Audio {r['mode']}: {_frames(table, r['start_pts'], r['end_pts'])}. Reason: {r['reason']}")


def render(manifest: dict, table: FrameTable, bookmarks: list[ReportBookmark] = ()) -> bytes:
    d = Document(f"Export report: {manifest['source']['name']}")
    d.text("BWV Reviewer - export report", size=16, bold=True)
    disclosure(d, manifest)
    d.text("Integrity", size=12, bold=True)
    src, out = manifest["source"], manifest["output"]
    d.text(f"Master: {src['name']} ({src['size']} bytes)")
    d.text(f"Master SHA-256: {src['sha256']}", size=9)
    d.text(f"Export: {out['name']} ({out['size']} bytes, {out['frames']} frames, {out['duration']:.3f} s)")
    d.text(f"Export SHA-256: {out['sha256']}", size=9)
    d.text(f"Mask set SHA-256: {manifest['masks']['sha256']}", size=9)
    approval_line(d, manifest["masks"].get("approval"))
    credential_and_leak(d, manifest)
    d.gap()
    d.text("Ranges exported", size=12, bold=True)
    for r in manifest["ranges"]:
        d.text(f"frames {r['in']}-{r['out']} ({format_media_time(r['in_media_time'])} - "
               f"{format_media_time(r['out_media_time'])})")
    d.gap()
    d.text("Redaction log", size=12, bold=True)
    redaction_log(d, table, manifest["masks"]["data"])
    if bookmarks:
        d.gap()
        d.text("Bookmarks", size=12, bold=True)
        for b in bookmarks:
            d.text(f"Frame {b.frame} ({format_media_time(table.media_time(b.frame))}) - {b.title} [{b.category}]",
                   bold=True)
            if b.note:
                d.text(b.note, indent=10)
            if b.thumbnail is not None:
                d.image(b.thumbnail, 200)
    footer(d, manifest)
    return d.to_bytes()


def footer(d: Document, manifest: dict) -> None:
    name = manifest["output"]["name"]
    d.gap()
    d.text(f"Produced by {manifest['tool']['name']} {manifest['tool']['version']}. Verify with: "
           f"reviewer verify {name} --manifest {name}.manifest.json", size=8)


def write(path: Path, manifest: dict, table: FrameTable, bookmarks: list[ReportBookmark] = ()) -> Path:
    write_bytes(path, render(manifest, table, bookmarks))
    return path


def report_path_for(out: Path) -> Path:
    return out.with_name(out.name + ".report.pdf")
