"""Detection assist in the window (issue 14 s.2): run a pass over the open recording off the UI thread (progress,
cancel), keep the pending proposals for the panel and the canvas, and accept or reject them.

The core does the work (reviewer.detect: service.run_detection, proposals.accept/reject/list_proposals/summary).
Every write goes through the masks session's store, which writes behind on the one writer thread (ui/writer_masks.py)
and overlays the changes in flight, so the list shows an accept at once. Accepting or rejecting a batch is one
step on the window's undo history (MaskEditor.review_proposals).
"""

from __future__ import annotations

import cv2
from PySide6.QtCore import QObject, Signal

from reviewer.detect import proposals as core
from reviewer.detect.centerface import ModelMissing
from reviewer.detect.service import run_detection
from reviewer.redact.coverage import ReviewItem
from ui.dialogs.message import show_message

THUMB_PX = 72  # the longer side of a proposal's thumbnail
READER_CACHE_BYTES = 32 * 1024 * 1024  # thumbnails visit a few scattered frames once each


def crop_thumbnails(source, items: list[tuple[str, int, tuple[float, float, float, float]]], *, task):
    """Worker: each proposal's face box (with a margin) cut from its first frame, scaled to THUMB_PX."""
    out: dict[str, object] = {}
    reader = source.reader(cache_bytes=READER_CACHE_BYTES)
    try:
        for n, (track_id, index, (x0, y0, x1, y1)) in enumerate(sorted(items, key=lambda i: i[1])):
            task.check()
            rgb = reader.frame(index).rgb()
            h, w = rgb.shape[:2]
            mx, my = (x1 - x0) * 0.25, (y1 - y0) * 0.25
            a, b = max(0, int(x0 - mx)), max(0, int(y0 - my))
            c, d = min(w, int(x1 + mx) + 1), min(h, int(y1 + my) + 1)
            if c <= a or d <= b:
                continue
            crop = rgb[b:d, a:c]
            scale = THUMB_PX / max(crop.shape[:2])
            size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
            out[track_id] = cv2.resize(crop, size, interpolation=cv2.INTER_AREA).copy()
            task.report((n + 1) / len(items), "thumbnails")
    finally:
        reader.close()
    return out


def _miss_text(m: core.PossibleMiss) -> str:
    if m.kind == "dip":
        return f"possible missed face: the detector's confidence fell to {m.score:.2f} inside a face track"
    if m.kind == "abrupt end":
        return "possible missed face: a face track ended abruptly inside the picture"
    return f"possible missed face: a face seen at low confidence ({m.score:.2f}) and not accepted"


class ProposalReview(QObject):
    changed = Signal()  # the pending proposals (or their thumbnails) changed
    progressed = Signal(float, str)
    runningChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, window, masks):
        super().__init__(window)
        self.window, self.masks = window, masks
        self.session = masks.session
        self.op = None
        self.views: list[core.ProposalView] = []
        self.pending_tracks: list = []
        self.highlighted: frozenset[str] = frozenset()  # track ids selected in the Proposals list
        self.thumbs: dict[str, object] = {}
        self.misses: list[core.PossibleMiss] = []
        self.counts: dict[str, int] = {}
        self.last_detection = None
        self.last_alert = None
        self.session.recordingChanged.connect(self._recording_changed)
        self._seen_set = None
        self.session.changed.connect(self._masks_changed)  # an accept, its undo, a synced change

    @property
    def running(self) -> bool:
        return self.op is not None

    def pts_of(self, index: int) -> int | None:
        return self.session.pts_of(index)

    # ---- the pass -------------------------------------------------------------------------------------------
    def start(self, first: int | None = None, last: int | None = None) -> bool:
        """Detect faces over the open recording (or frames first..last); False, with a message, if it cannot."""
        editor, lib = self.session.editor, self.window.library
        if editor is None:
            self.message.emit("Open a recording from the library first.")
            return False
        if self.running:
            self.message.emit("Face detection is already running (Cancel in the Proposals panel stops it).")
            return False
        what = "the whole recording" if first is None else f"frames {first}-{last}"
        reason = lib.gov.justification_for(editor.recording_id) or None
        # the editor is passed for its store: the proposals are written behind, on the writer thread
        self.op = self.window.runner.run(
            run_detection, lib, editor.recording_id, first, last, reason=reason, editor=editor, key="detect.pass",
            on_done=self._done, on_error=self._failed, on_progress=self._progress, on_cancelled=self._cancelled)
        self.runningChanged.emit(True)
        self._progress(0.0, f"detecting faces in {what}…")
        return True

    def cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()

    def _progress(self, fraction: float, label: str) -> None:
        self.progressed.emit(fraction, label)
        self.window._busy("Detecting faces…", fraction)

    def _finish(self) -> None:
        self.op = None
        self.window._busy(None)
        self.runningChanged.emit(False)

    def _cancelled(self) -> None:
        self._finish()
        self.message.emit("Face detection cancelled; nothing was written.")

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, ModelMissing):  # the feature is unavailable here; everything else works
            self.last_alert = show_message(self.window, "Face detection", str(exc), "warning")
        self.message.emit(f"Face detection failed: {exc}")

    def _done(self, detection) -> None:
        self._finish()
        self.last_detection = detection
        n = len(detection.proposals)
        self.refresh()
        self.message.emit(f"Face detection: {n} proposal{'s' if n != 1 else ''} to review in the Proposals panel."
                          if n else "Face detection found no faces to propose.")

    # ---- the review -----------------------------------------------------------------------------------------
    def _recording_changed(self) -> None:
        self.cancel()
        self.thumbs = {}
        self.refresh()

    def _masks_changed(self) -> None:
        # `changed` also fires on every pointer move of a drag (live geometry), which leaves the stored set as it
        # was: only a new set (an edit landed, a review step, an undo, a synced change) is worth re-reading
        ms = self.session.mask_set
        if ms is self._seen_set:
            return
        if not self._may_touch_proposals(ms):
            self._seen_set = ms
            return
        self.refresh()

    def _may_touch_proposals(self, ms) -> bool:
        """False only when the new set is an edit of ordinary masks: the editor re-read just those tracks (a
        drag step, a property change), and none of them is, or was, a detector's proposal. Each re-read of the
        proposals is a database read on the UI thread, which waits for the GIL at every SQLite call while a sync
        runs (issue 11: a drag's every step paid four of them)."""
        editor, seen = self.session.editor, self._seen_set
        reread = editor.reread if editor is not None else None
        if reread is None or seen is None:
            return True  # the whole set was read again: a synced change or a review step may have brought any
        before = {t.id: t for t in seen.tracks}
        after = {t.id: t for t in ms.tracks}
        for tid in reread:
            old, new = before.get(tid), after.get(tid)
            if old is None and new is None:  # not an applied mask (a pending proposal's own edit?): read
                return True
            if any(t is not None and t.proposal is not None for t in (old, new)):
                return True
        return False

    def highlight(self, track_ids) -> None:
        """Draw these proposals as selected on the canvas (the Proposals list's selection)."""
        ids = frozenset(track_ids)
        if ids != self.highlighted:
            self.highlighted = ids
            self.window.canvas.update()

    def refresh(self) -> None:
        self._seen_set = self.session.mask_set
        editor = self.session.editor
        if editor is None:
            self.views, self.pending_tracks, self.misses, self.counts = [], [], [], {}
        else:
            # one read of every proposal; the list, the outlines, the misses and the counts are all cut from it
            found = self.session.store.load_proposals(editor.recording_id)
            self.views = core.views_of(found)
            self.misses = core.misses_of(found)
            self.counts = core.summary_of(found)
            ids = {v.track_id for v in self.views}
            self.pending_tracks = [t for t in found if t.id in ids]
            self._fetch_thumbnails()
        self.window.canvas.update()
        self.changed.emit()

    def _fetch_thumbnails(self) -> None:
        table, source = self.session.table, self.session.source
        todo = [(v.track_id, table.nearest_index_to_pts(v.first_pts), v.first_box) for v in self.views
                if v.track_id not in self.thumbs]
        if not todo or source is None:
            return
        rid = self.session.recording_id
        self.window.runner.run(crop_thumbnails, source, todo, key="detect.thumbs",
                               on_done=lambda got, rid=rid: self._thumbnails(rid, got),
                               on_error=lambda exc: self.message.emit(f"Proposal thumbnails not shown: {exc}"))

    def _thumbnails(self, recording_id: str, got: dict) -> None:
        if recording_id == self.session.recording_id:
            self.thumbs.update(got)
            self.changed.emit()

    def review_items(self, visited: set[int]) -> list[ReviewItem]:
        """The coverage review's possible misses (the masks' review walk asks): each until its frame is seen."""
        table = self.session.table
        if table is None:
            return []
        out = []
        for m in self.misses:
            frame = table.nearest_index_to_pts(m.pts)
            if frame not in visited:
                out.append(ReviewItem(frame, "possible miss", m.track_id, _miss_text(m)))
        return out

    def frame_range(self, view: core.ProposalView) -> tuple[int, int]:
        table = self.session.table
        return table.nearest_index_to_pts(view.first_pts), table.nearest_index_to_pts(view.last_pts)

    def summary(self) -> dict[str, int]:
        """Pending, accepted and rejected proposals as of the last refresh (which every change of them causes)."""
        return dict(self.counts)

    def accept(self, track_ids: list[str]) -> bool:
        return self._review(track_ids, core.accept, "Accepted")

    def accept_all(self) -> bool:
        return self.accept([v.track_id for v in self.views])

    def reject(self, track_ids: list[str]) -> bool:
        return self._review(track_ids, core.reject, "Rejected")

    def _review(self, track_ids: list[str], step, verb: str) -> bool:
        editor = self.session.editor
        if editor is None or not track_ids:
            self.message.emit("Select proposals first.")
            return False
        try:
            step(editor, list(track_ids))  # one undo step; the editor's reload refreshes the list
        except Exception as exc:  # noqa: BLE001 - refused (role) or gone (synced away): said, never a traceback
            self.message.emit(f"{verb[:-2]} failed: {exc}")
            self.refresh()
            return False
        n = len(track_ids)
        self.message.emit(f"{verb} {n} proposal{'s' if n != 1 else ''} (Ctrl+Z undoes).")
        return True
