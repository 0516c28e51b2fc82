"""Single-frame export of a library recording (CLI `reviewer frame ID` and the player's Export frame): a
full-resolution RGB PNG and its JSON sidecar, through the gate and the disclosure log.

Without masks applied the frame is unredacted (EXPORT_UNREDACTED, refused to trainers); with the recording's
masks applied it is EXPORT_REDACTED. The permission is checked before anything is opened or decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reviewer import atomic
from reviewer.errors import MediaError
from reviewer.export.credential import Credential, embed_png, for_library
from reviewer.export.disclose import disclose
from reviewer.export.manifest import mask_hash
from reviewer.export.stills import applied_masks, frame_record, png_bytes
from reviewer.media.geometry import Geometry
from reviewer.media.timecode import format_media_time
from reviewer.govern.gated import gated
from reviewer.govern.roles import Action
from reviewer.outputs import check_output_path, discard, removed_on_failure
from reviewer.redact.approval import decide_export, has_masks
from reviewer.redact.model import MaskSet, mask_set_to_json
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact
from reviewer.redact.store import MaskStore


@dataclass(frozen=True)
class FrameExport:
    png: Path
    sidecar: Path
    index: int
    redacted: bool  # exported as EXPORT_REDACTED: an approved mask set was applied
    sha256: str
    created: tuple[Path, ...] = ()  # folders made for it (make_dirs), for the caller to report
    c2pa: dict | None = None  # the credential note (reviewer/export/credential.py): signed by whom, or why not


def sidecar_path(png: Path) -> Path:
    return png.with_suffix(".json")


@gated(Action.EXPORT_REDACTED, Action.EXPORT_UNREDACTED)
def export_frame(library, recording_id: str, index: int, out: str | Path, *, redacted: bool = False,
                 overwrite: bool = False, make_dirs: bool = False, reason: str | None = None,
                 opened=None) -> FrameExport:
    """Write presented frame `index` of a library recording to `out` (".png" added when missing)."""
    view = library.get(recording_id)
    mask_set = MaskStore(library).load(view.id) if redacted else MaskSet()
    png = Path(out)
    if png.suffix.lower() != ".png":
        png = png.with_name(png.name + ".png")
    png = png.expanduser().absolute()
    # which permission (approval.py: only an approved mask set makes a redacted frame), checked before decoding
    decision = decide_export(library, view.id, mask_set, reason or "",
                             {"export": "frame", "frame": index, "output": str(png)})
    home = library.paths.home
    # before any decoding, and before a folder is made for it: a workstation that cannot sign refuses here
    credential = for_library(library, view, decision, purpose=reason or "")
    target = check_output_path(home, png, overwrite, make_dirs, what="exported frame")
    side = check_output_path(home, sidecar_path(png), overwrite, what="frame sidecar").path
    if reason:
        library.gov.remember_justification(view.id, reason)
    with removed_on_failure(target.created):
        opened = opened or library.open_recording(view.id, reason=reason)
        sha = _write(library, opened, index, png, side, mask_set if has_masks(mask_set) else None, decision,
                     overwrite, credential.at(opened.path))
    return FrameExport(png, side, index, decision.redacted, sha, target.created, credential.note())


def _write(library, opened, index: int, png: Path, side: Path, mask_set, decision, overwrite: bool,
           credential: Credential) -> str:
    """Decode (and redact), stage the sidecar and the PNG, then disclose and name them. Returns the PNG's hash."""
    count = opened.table.frame_count
    if not 0 <= index < count:
        raise MediaError(opened.path, f"frame {index} does not exist: frames are numbered 0 to {count - 1}")
    with opened.reader(cache_bytes=64 * 1024 * 1024) as reader:
        frame = reader.frame(index)
    masks: list[dict] = []
    if mask_set is not None:
        planes = Planes.from_frame(frame.video)
        masks = applied_masks(mask_set, redact(planes, mask_set, frame.pts))
        rgb = planes.to_rgb()
    else:
        rgb = frame.rgb()
    rgb = Geometry.of(opened.info).to_display(rgb)  # a still shows what the player shows (ADR 0022)
    view = opened.view
    mask_sha = mask_hash(mask_set_to_json(mask_set)) if mask_set is not None else None
    data = embed_png(credential, png_bytes(png, rgb), png, index, format_media_time(opened.table.media_time(index)),
                     masks, mask_sha)
    record = frame_record(opened, index, frame.pts, rgb, png, data, view.sha256)
    record.update(redacted=mask_set is not None, mask_set_sha256=mask_sha, c2pa=credential.note())
    staged: list[tuple[Path, Path]] = []
    try:
        staged.append((atomic.stage_bytes(side, (json.dumps(record, indent=2) + "\n").encode()), side))
        staged.append((atomic.stage_bytes(png, data), png))  # the PNG last: its presence means "finished"
    except BaseException:
        discard(*(tmp for tmp, _ in staged))
        raise
    disclose(library.gov, decision.action, view.id, "recording.frame_export", {
        "frame": index, "frames": [index], "pts": int(frame.pts), "output": str(png), "sidecar": str(side),
        "sha256": record["png_sha256"], "redacted": decision.redacted, "masks_applied": record["redacted"],
        "mask_set_sha256": record["mask_set_sha256"], "c2pa": record["c2pa"],
    }, staged, overwrite, justification=library.gov.justification_for(view.id))
    return record["png_sha256"]
