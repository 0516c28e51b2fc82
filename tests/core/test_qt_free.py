"""The core must import and run without Qt: import every reviewer module in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import reviewer

SCRIPT = r"""
import importlib, pkgutil, sys
import reviewer
names = [m.name for m in pkgutil.walk_packages(reviewer.__path__, "reviewer.")
         if ".migrations" not in m.name]
for name in names:
    importlib.import_module(name)
qt = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "PyQt")) or m == "ui" or m.startswith("ui."))
print(len(names))
print(",".join(qt))
"""


def test_every_core_module_imports_without_qt():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                         cwd=Path(reviewer.__file__).parent.parent).stdout.splitlines()
    count, qt = int(out[0]), out[1] if len(out) > 1 else ""
    assert count >= 8, "walked too few modules: the check would prove nothing"
    assert qt == "", f"Qt or ui modules loaded by the core: {qt}"


def test_no_core_source_mentions_qt_imports():
    root = Path(reviewer.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            s = line.strip()
            if s.startswith(("import PySide6", "from PySide6", "import ui", "from ui", "import PyQt", "from PyQt")):
                offenders.append(f"{path}: {s}")
    assert not offenders, offenders
