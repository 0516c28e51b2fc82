"""Feature modules plug into the main window without editing it: each has a NAME, a SHORTCUTS table (targets are
resolved from the window, e.g. "f.masks.toggle_preview") and install(window) -> the feature object, which the
window keeps as window.f.<NAME>. install adds docks (window.add_dock), timeline lanes (window.timeline.add_lane),
canvas overlays and menu actions, and subscribes to the player and the core.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Order matters only for where docks and lanes appear.
FEATURE_MODULES: list[str] = [
    "ui.features.annotations",  # first: it makes window.undo the library's one history
    "ui.features.export",
    "ui.features.redaction",
    "ui.features.detect",  # after export and redaction: it adds an export check and uses the masks session
    "ui.features.sync",
    "ui.features.multicam",
]


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FEATURE_MODULES]
