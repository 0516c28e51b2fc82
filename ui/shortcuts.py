"""The one table of keyboard shortcuts. The main window builds its QActions and menus from it and the help dialog
lists it, so a key can never work without being documented (or be documented without working).

`target` is a dotted attribute path from the main window ("controller.step", "canvas.zoom_fit", "show_goto");
`args` are passed to it when the key fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class Shortcut:
    action_id: str
    keys: tuple[str, ...]
    description: str
    target: str
    args: tuple[Any, ...] = ()
    menu: str = "Playback"

    def sequences(self) -> list[QKeySequence]:
        return [QKeySequence(k) for k in self.keys]

    def key_text(self) -> str:
        """Keys as the user's platform spells them, e.g. 'Shift+Right' or 'Ctrl+G'."""
        return "  or  ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in self.keys)


S = Shortcut
SHORTCUTS: tuple[Shortcut, ...] = (
    S("import_files", ("Ctrl+I",), "Import files into the library", "import_files", menu="File"),
    S("import_folder", ("Ctrl+Shift+I",), "Import a whole folder", "import_folder", menu="File"),
    S("export_frame", ("Ctrl+E",), "Export the current frame as PNG with a JSON sidecar", "export_frame",
      menu="File"),
    S("quit", ("Ctrl+Q",), "Quit", "close", menu="File"),

    S("undo", ("Ctrl+Z",), "Undo the last edit", "undo_last", menu="Edit"),
    S("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "redo_last", menu="Edit"),

    S("play_pause", ("Space",), "Play / pause", "controller.toggle_play"),
    S("shuttle_reverse", ("J",), "Play backwards; press again for -2x, -4x (K held + J: one frame back)",
      "shuttle.j"),
    S("shuttle_stop", ("K",), "Stop and reset the speed to 1x (hold K, press J or L to step a frame)",
      "shuttle.k"),
    S("shuttle_forward", ("L",), "Play forwards; press again for 2x, 4x (K held + L: one frame forward)",
      "shuttle.l"),
    S("step_forward", ("Right", "."), "Step one frame forward", "controller.step", (1,)),
    S("step_back", ("Left", ","), "Step one frame back", "controller.step", (-1,)),
    S("jump_forward_1s", ("Shift+Right",), "Jump 1 second forward", "controller.jump_seconds", (1.0,)),
    S("jump_back_1s", ("Shift+Left",), "Jump 1 second back", "controller.jump_seconds", (-1.0,)),
    S("jump_forward_10s", ("Ctrl+Right",), "Jump 10 seconds forward", "controller.jump_seconds", (10.0,)),
    S("jump_back_10s", ("Ctrl+Left",), "Jump 10 seconds back", "controller.jump_seconds", (-10.0,)),
    S("go_start", ("Home",), "Go to the first frame", "controller.go_start"),
    S("go_end", ("End",), "Go to the last frame", "controller.go_end"),
    S("slower", ("[",), "Slower (0.1x to 4x)", "controller.slower"),
    S("faster", ("]",), "Faster (0.1x to 4x)", "controller.faster"),
    S("goto", ("Ctrl+G",), "Go to a frame number, media time or camera time", "show_goto"),

    S("zoom_fit", ("F",), "Zoom to fit", "canvas.zoom_fit", menu="View"),
    S("zoom_100", ("1",), "Zoom 100% (one video pixel per screen pixel)", "canvas.set_zoom", (1.0,), menu="View"),
    S("zoom_200", ("2",), "Zoom 200%", "canvas.set_zoom", (2.0,), menu="View"),
    S("zoom_400", ("4",), "Zoom 400%", "canvas.set_zoom", (4.0,), menu="View"),
    S("find", ("Ctrl+F",), "Search the library", "focus_search", menu="View"),
    S("review_layout", ("Ctrl+Shift+F", "`"), "Review layout: the picture takes the window (again: docks back)",
      "layouts.toggle_review", menu="View"),
    S("full_screen", ("F11",), "Full screen with an overlay transport (again, or Esc: leave)",
      "layouts.toggle_full_screen", menu="View"),

    S("help_shortcuts", ("F1", "?"), "Show this list of shortcuts", "show_shortcuts", menu="Help"),
)
del S

MENUS = ("File", "Edit", "Playback", "Annotate", "Redaction", "Export", "Sync", "View", "Help")


def all_shortcuts() -> tuple[Shortcut, ...]:
    """The shell's table plus every feature module's (ui.features): what the window binds and the help lists."""
    from ui.features import modules

    out = list(SHORTCUTS)
    for module in modules():
        out.extend(module.SHORTCUTS)
    return tuple(out)


def resolve(owner: object, shortcut: Shortcut) -> Callable[[], Any]:
    """The zero-argument callable a key runs; AttributeError if the table names something that does not exist."""
    obj: Any = owner
    for part in shortcut.target.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"shortcut {shortcut.action_id}: {shortcut.target} is not callable")
    fn, args = obj, shortcut.args
    return lambda: fn(*args)
