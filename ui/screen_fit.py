"""The main window on a short screen. A 1366x768 laptop leaves about 728 px under its panel. The window's docks
stack two groups in the right-hand column (Recording / Audit trail / Masks / Proposals above, Annotations and its
tabs below), and their minimum heights added up to 793 px, which put the transport below the screen. On such a
screen the right-hand column becomes one tab group, and everything fits. The user can drag the docks apart
again; the layout is saved as usual."""

from __future__ import annotations

from PySide6.QtCore import Qt

ANCHOR = "annotationsDock"  # the group the others join: the one an investigator works in most


def fit_short_screen(window, available_height: int | None = None) -> bool:
    """Tab the right-hand docks together when the window's minimum is taller than the screen's available height
    (the window's screen unless given). Returns whether it did."""
    if available_height is None:
        screen = window.screen()
        if screen is None:
            return False
        available_height = screen.availableGeometry().height()
    if window.minimumSizeHint().height() <= available_height:
        return False
    anchor = window.docks.get(ANCHOR)
    if anchor is None or window.dockWidgetArea(anchor) != Qt.DockWidgetArea.RightDockWidgetArea:
        return False
    joined = set(window.tabifiedDockWidgets(anchor))
    for dock in window.docks.values():
        if (dock is not anchor and dock not in joined
                and window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea):
            window.tabifyDockWidget(anchor, dock)
    anchor.raise_()
    window.layout().activate()  # the window's minimum size follows now, not at the next layout pass
    return True
