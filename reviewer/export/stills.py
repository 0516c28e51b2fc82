"""Stills: selected frames of a recording as PNGs with its masks applied, each with a JSON sidecar.

The redaction goes through reviewer.redact.render.redact on the decoded YUV planes, exactly as the editor's
preview and the video export do, so a still can never show what the export hides. The sidecar carries what the
single-frame export's sidecar does (recording hash, frame identity, both clocks) plus the mask-set hash and the
masks applied on that frame.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

import reviewer
from reviewer import atomic
from reviewer.errors import ReviewerError
from reviewer.export.credential import embed_png
from reviewer.export.manifest import mask_hash
from reviewer.govern.gated import gated
from reviewer.govern.roles import Action
from reviewer.media.geometry import Geometry
from reviewer.media.frametable import FrameTable
from reviewer.media.timecode import camera_time, format_camera_time, format_media_time, parse_media_time
from reviewer.progress import NO_TASK, Task
from reviewer.redact.model import MaskSet, mask_set_to_json
from reviewer.redact.planes import Planes
from reviewer.redact.render import redact

# A typed time stands for the whole millisecond its readout shows (see ui.dialogs.goto_dialog): copying a
# readout back in must land on the frame that showed it, not one frame early.
_WHOLE_MS = 0.001 - 1e-7
_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
MAX_STILLS = 1000  # a typo like "0-99999" should not quietly write a hundred thousand PNGs


@dataclass(frozen=True)
class Still:
    index: int
    png: Path
    sidecar: Path
    masks_applied: int


def parse_frames(text: str, table: FrameTable) -> list[int]:
    """Frame indices named by `text`: comma-separated frame numbers, ranges "A-B" and media times
    ("HH:MM:SS.mmm", "MM:SS"). Sorted, without repeats. ValueError with a message fit for the user."""
    last = table.frame_count - 1
    out: set[int] = set()
    items = [s.strip() for s in text.replace(";", ",").split(",") if s.strip()]
    if not items:
        raise ValueError("Enter at least one frame number or media time.")
    for item in items:
        if m := _RANGE.match(item):
            a, b = int(m[1]), int(m[2])
            if a > b:
                raise ValueError(f"“{item}”: the range ends before it starts.")
            if b > last:
                raise ValueError(f"“{item}”: this recording has frames 0 to {last}.")
            if b - a + 1 > MAX_STILLS:
                raise ValueError(f"“{item}” is {b - a + 1} frames; at most {MAX_STILLS} stills at a time.")
            out.update(range(a, b + 1))
        elif item.isdigit():
            n = int(item)
            if n > last:
                raise ValueError(f"Frame {n} does not exist: this recording has frames 0 to {last}.")
            out.add(n)
        elif ":" in item:
            try:
                seconds = parse_media_time(item)
            except ValueError:
                raise ValueError(f"“{item}” is not a media time. Use HH:MM:SS.mmm or MM:SS.") from None
            if seconds >= table.duration:
                raise ValueError(f"{item} is after the end ({format_media_time(table.duration)}).")
            out.add(table.index_at_media_time(seconds + _WHOLE_MS))
        else:
            raise ValueError(f"“{item}” is not a frame number (e.g. 120), a range (120-130) or a media time "
                             "(00:00:04.000).")
    if len(out) > MAX_STILLS:
        raise ValueError(f"{len(out)} frames selected; at most {MAX_STILLS} stills at a time.")
    return sorted(out)


def still_name(stem: str, index: int) -> str:
    return f"{stem}_frame{index:06d}_redacted.png"


@dataclass(frozen=True)
class StillsExport:
    stills: list[Still]
    redacted: bool  # exported as EXPORT_REDACTED (an approved mask set); otherwise an unredacted disclosure
    created: tuple[Path, ...] = ()  # folders made for them (make_dirs), for the caller to report
    c2pa: dict | None = None  # the credential note (reviewer/export/credential.py): signed by whom, or why not


@gated(Action.EXPORT_REDACTED, Action.EXPORT_UNREDACTED)
def export_stills(library, recording_id: str, indices: list[int], out_dir: Path, *, opened=None,
                  overwrite: bool = False, make_dirs: bool = False, reason: str | None = None,
                  stem: str | None = None, task: Task = NO_TASK) -> StillsExport:
    """Write one PNG + sidecar per frame index of a library recording into `out_dir`, with its masks applied,
    through the gate and the disclosure log (one "recording.stills_export" event: frames, files, hashes).
    Without an approved mask set they are unredacted (EXPORT_UNREDACTED, refused to trainers). An existing still is
    replaced only with `overwrite` (the UI asks first), never a read-only one."""
    from reviewer.export.credential import for_library
    from reviewer.outputs import check_output_dir, check_output_path, removed_on_failure
    from reviewer.redact.approval import decide_export
    from reviewer.redact.store import MaskStore

    view = library.get(recording_id)
    mask_set = MaskStore(library).load(view.id)
    indices = sorted(set(int(i) for i in indices))
    out_dir = Path(out_dir).expanduser().absolute()
    # which permission (approval.py: only an approved mask set makes redacted stills), checked before decoding
    decision = decide_export(library, view.id, mask_set, reason or "",
                             {"export": "stills", "frames": indices, "output": str(out_dir)})
    if not indices:
        raise ReviewerError(f"{out_dir}: no frames selected for stills")
    if len(indices) > MAX_STILLS:
        raise ReviewerError(f"{out_dir}: {len(indices)} frames selected; at most {MAX_STILLS} stills at a time")
    home = library.paths.home
    # before any decoding, and before a folder is made for them: a workstation that cannot sign refuses here
    credential = for_library(library, view, decision, purpose=reason or "")
    folder = check_output_dir(home, out_dir, make_dirs, "still")
    stem = stem or Path(view.file_name).stem
    for i in indices:  # before anything is opened: an earlier still is replaced only when asked
        png = out_dir / still_name(stem, i)
        check_output_path(home, png, overwrite, what="still")
        check_output_path(home, png.with_suffix(".json"), overwrite, what="still sidecar")
    if reason:
        library.gov.remember_justification(view.id, reason)
    with removed_on_failure(folder.created):
        opened = opened or library.open_recording(view.id, reason=reason)
        stills = _write(library, opened, view, mask_set, indices, out_dir, stem, decision, overwrite, task,
                        credential)
    task.report(1.0, f"{len(stills)} stills written")
    return StillsExport(stills, decision.redacted, folder.created, credential.note())


def _write(library, opened, view, mask_set: MaskSet, indices: list[int], out_dir: Path, stem: str,
           decision, overwrite: bool, task: Task, credential) -> list[Still]:
    """Render and stage each still, then disclose and name them all."""
    from reviewer.export.disclose import disclose
    from reviewer.outputs import discard

    table = opened.table
    bad = [i for i in indices if not 0 <= i < table.frame_count]
    if bad:
        raise ReviewerError(f"{opened.path}: frame {bad[0]} does not exist (frames 0 to {table.frame_count - 1})")
    staged: list[tuple[Path, Path]] = []
    try:
        stills = _render(opened, view, mask_set, indices, out_dir, stem, staged, task, credential.at(opened.path))
    except BaseException:
        discard(*(tmp for tmp, _final in staged))
        raise
    disclose(library.gov, decision.action, view.id, "recording.stills_export", {
        "frames": indices, "output": str(out_dir), "redacted": decision.redacted,
        "masks_applied": sum(1 for st, _sha in stills if st.masks_applied),
        "mask_set_sha256": mask_hash(mask_set_to_json(mask_set)),
        "files": [{"frame": st.index, "png": st.png.name, "sha256": sha} for st, sha in stills],
        "c2pa": credential.note(),
    }, staged, overwrite, justification=library.gov.justification_for(view.id))
    return [st for st, _sha in stills]


def _render(source, view, mask_set: MaskSet, indices: list[int], out_dir: Path, stem: str,
            staged: list[tuple[Path, Path]], task: Task, credential=None) -> list[tuple[Still, str]]:
    """Render and stage (temp names) each still and its sidecar; `staged` collects them for publishing."""
    masks_sha = mask_hash(mask_set_to_json(mask_set))
    stills = []
    with source.reader(cache_bytes=32 * 1024 * 1024) as reader:
        for n, index in enumerate(indices):
            task.check("stills export")
            task.report(n / len(indices), f"still {n + 1} of {len(indices)} (frame {index})")
            frame = reader.frame(index)
            planes = Planes.from_frame(frame.video)
            applied = redact(planes, mask_set, frame.pts)
            rgb = Geometry.of(source.info).to_display(planes.to_rgb())  # as displayed (ADR 0022)
            png = out_dir / still_name(stem, index)
            masks = applied_masks(mask_set, applied)
            data = embed_png(credential, png_bytes(png, rgb), png, index,
                             format_media_time(source.table.media_time(index)), masks, masks_sha)
            sidecar = _sidecar(source, view, source.table, index, frame.pts, rgb, png, data, view.sha256,
                               masks_sha, masks, credential)
            side = png.with_suffix(".json")
            staged.append((atomic.stage_bytes(side, (json.dumps(sidecar, indent=2) + "\n").encode()), side))
            staged.append((atomic.stage_bytes(png, data), png))
            stills.append((Still(index, png, side, len(applied)), sidecar["png_sha256"]))
    return stills


def png_bytes(png: Path, rgb: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))  # OpenCV writes BGR order
    if not ok:
        raise ReviewerError(f"{png}: PNG encoding failed")
    return encoded.tobytes()


def display_record(g: Geometry) -> dict:
    return {"stored_width": g.width, "stored_height": g.height, "rotation": g.rotation,
            "sample_aspect_ratio": f"{g.sar.numerator}:{g.sar.denominator}"}


def frame_record(source, index: int, pts: int, rgb: np.ndarray, png: Path, data: bytes, sha256: str) -> dict:
    """What ties a still to its evidence: recording hash, frame identity, both clocks, the PNG's own hash.
    The player's plain frame export and the redacted stills both write this."""
    table = source.table
    view = getattr(source, "view", None)
    media = table.media_time(index)
    cam = camera_time(getattr(source, "camera_start", None), media)
    return {
        "recording_sha256": sha256,
        "recording_id": getattr(view, "id", None),
        "recording_file": getattr(view, "file_name", None) or Path(source.path).name,
        "frame_index": int(index),
        "frame_count": table.frame_count,
        "pts": int(pts),
        "time_base": f"{table.time_base.numerator}/{table.time_base.denominator}",
        "media_time": media,
        "media_time_text": format_media_time(media),
        "camera_time": cam.isoformat() if cam else None,
        "camera_time_text": format_camera_time(cam) if cam else None,
        "width": int(rgb.shape[1]),
        "height": int(rgb.shape[0]),
        # the PNG is the displayed picture (ADR 0022): how it was made from the stored one
        "display": display_record(Geometry.of(source.info)),
        "png_file": png.name,
        "png_sha256": hashlib.sha256(data).hexdigest(),
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "tool": "bwv-reviewer",
        "tool_version": reviewer.__version__,
    }


def applied_masks(mask_set: MaskSet, applied) -> list[dict]:
    """The masks redact() applied on one frame, as the sidecar and the still's credential name them."""
    by_id = {t.id: t for t in mask_set.tracks}
    masks = []
    for a in applied:
        track = by_id.get(a.track_id)
        masks.append({"track_id": a.track_id, "kind": "blackout" if track is None else track.kind.value,
                      "label": "" if track is None else track.label,
                      "reason": "blackout" if track is None else track.reason,
                      "effect": a.effect.to_json()})
    return masks


def _sidecar(source, view, table: FrameTable, index: int, pts: int, rgb: np.ndarray, png: Path, data: bytes,
             sha256: str, masks_sha: str, masks: list[dict], credential) -> dict:
    return {**frame_record(source, index, pts, rgb, png, data, sha256),
            "redacted": bool(masks), "mask_set_sha256": masks_sha, "masks_applied": masks,
            **({"c2pa": credential.note()} if credential is not None else {})}
