"""Where the shipped resources (fonts, stylesheet, icons, licences) are: `resources/` beside the packages in a
checkout and in a PyInstaller bundle (the spec copies it next to the frozen packages, into sys._MEIPASS), or
<prefix>/share/bwv-reviewer/ in an installed copy (pyproject's data-files put them there)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reviewer.errors import ReviewerError

SHARE = Path("share") / "bwv-reviewer"


def candidates() -> list[Path]:
    env = os.environ.get("REVIEWER_RESOURCES")
    here = Path(__file__).resolve().parent.parent
    out = [Path(env)] if env else []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        out.append(Path(frozen) / "resources")
    out += [here / "resources", Path(sys.prefix) / SHARE, Path(sys.base_prefix) / SHARE]
    return out


def find_resource(relative: str) -> Path | None:
    """The path of a shipped resource file, or None where this copy has none (e.g. build-info.json)."""
    for root in candidates():
        path = root / relative
        if path.is_file():
            return path
    return None


def resource(relative: str) -> Path:
    """The path of a shipped resource file, e.g. resource("fonts/NotoSans-Regular.ttf")."""
    path = find_resource(relative)
    if path is not None:
        return path
    where = ", ".join(str(c) for c in candidates())
    raise ReviewerError(f"{relative}: resource not found (looked in {where}); reinstall BWV Reviewer")
