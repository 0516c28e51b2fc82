"""Every mask must say why it is there before anything is exported: the reason goes into the court report, so a
silent default would put words in the redactor's mouth. The export path calls require_reasons() first."""

from __future__ import annotations

from reviewer.errors import ReviewerError
from reviewer.media.frametable import FrameTable
from reviewer.redact.coverage import track_span
from reviewer.redact.model import MaskSet, MaskTrack


class MissingReason(ReviewerError):
    """One or more masks have no reason; the message names them and where they start."""

    def __init__(self, tracks: list[MaskTrack], message: str):
        self.tracks = tracks
        super().__init__(message)


def missing_reasons(mask_set: MaskSet) -> list[MaskTrack]:
    return [t for t in mask_set.tracks if not t.reason.strip()]


def describe(track: MaskTrack, table: FrameTable | None = None, number: int | None = None) -> str:
    """How the Masks panel names a track ('bystander 1', or 'rect 3' by its row), and where it starts."""
    name = track.label or (f"{track.kind.value} {number}" if number else track.kind.value)
    span = track_span(track, table) if table is not None else None
    return f'"{name}"' + (f" from frame {span[0]}" if span else "")


def require_reasons(mask_set: MaskSet, table: FrameTable | None = None) -> None:
    """Raise MissingReason naming every mask without a reason (one line, for the CLI and the export queue)."""
    missing = missing_reasons(mask_set)
    if not missing:
        return
    rows = {t.id: n for n, t in enumerate(mask_set.tracks, 1)}
    names = ", ".join(describe(t, table, rows[t.id]) for t in missing)
    what = "mask has" if len(missing) == 1 else f"{len(missing)} masks have"
    raise MissingReason(missing, f"export blocked: {what} no reason: {names}; choose one in the Masks panel "
                                 "(or give \"reason\" in the mask file) before exporting")
