"""Bookmark in the grid (M, or the Bookmark button): one bookmark on every visible camera at the frame its tile
shows, sharing the incident time (Annotations.add_incident_bookmark: one undo step, each camera's bookmark an
ordinary bookmark.create operation, so each recording's own view lists it too). A tile with no footage at that
instant gets none. Written on the window's one writer thread, through the annotations feature's edit path."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton

from reviewer.media.timecode import format_media_time
from ui.annotate.bookmark_dialog import BookmarkDialog

KEY, DETAILS_KEY = "M", "Ctrl+M"  # the single view's bookmark keys


def frames_shown(grid) -> list[tuple[str, int, int]]:
    """(recording id, frame index, pts) of each visible tile that shows a picture: what the user sees."""
    s = grid.session
    out = []
    for key in grid.visible_keys():
        d = s.tiles[key].shown
        if d is not None:
            p = s.clock.get(key)
            out.append((p.recording_id, d.index, p.table.pts_of(d.index)))
    return out


class GridBookmarks:
    def __init__(self, window, grid):
        self.window, self.grid = window, grid
        self.dialog = None  # the details dialog last opened (tests fill it in)
        self.button = QPushButton("Bookmark")
        self.button.setToolTip(f"Bookmark the frame every camera shows ({KEY})")
        self.button.clicked.connect(lambda: self.add())  # not add(checked)
        grid.transport_bar.insertWidget(grid.transport_bar.indexOf(grid.layout_button) + 1, self.button)
        QShortcut(QKeySequence(KEY), grid, activated=self.add)
        QShortcut(QKeySequence(DETAILS_KEY), grid, activated=self.add_with_details)
        # the grid is a window of its own: the library's one undo history is reachable from it too
        QShortcut(QKeySequence("Ctrl+Z"), grid, activated=window.undo_last)
        QShortcut(QKeySequence("Ctrl+Shift+Z"), grid, activated=window.redo_last)

    def add_with_details(self) -> None:
        """The frames on screen when the key was pressed, bookmarked with the title, category and note asked."""
        shown, t = frames_shown(self.grid), self.grid.session.time
        annotations = self.window.f.annotate
        where = f"incident {format_media_time(max(t, 0.0))}  ·  {len(shown)} camera(s) showing footage"
        d = BookmarkDialog(where, annotations.annotations.bookmarks.categories(), parent=self.grid)
        self.dialog = d

        def add() -> None:
            v = d.values()
            self.add(v["title"], v["note"], v["category"], shown=shown, t=t)
        annotations._show(d, add)

    def add(self, title: str | None = None, note: str = "", category: str = "other", *,
            shown: list | None = None, t: float | None = None) -> None:
        shown = frames_shown(self.grid) if shown is None else shown
        t = self.grid.session.time if t is None else t
        title = title or f"Bookmark at incident {format_media_time(max(t, 0.0))}"
        annotations = self.window.f.annotate

        def added(views) -> None:
            frames = ", ".join(f"{self.grid.session.camera_name(self.grid.session.clock.get(rid).key)} frame {i}"
                               for rid, i, _pts in shown)
            self.grid.status.setText(f"Bookmarked {len(views)} cameras at incident {format_media_time(max(t, 0))}: "
                                     f"{frames}.")
        annotations._do("Cannot add the bookmark", lambda: annotations.annotations.add_incident_bookmark(
            [(rid, pts) for rid, _i, pts in shown], int(round(t * 1e6)), title, note, category), added)
