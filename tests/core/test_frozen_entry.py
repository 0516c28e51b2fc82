"""packaging/entry.py picks the entry point by the name it was started by: on Linux the bundle has one executable
and `reviewer` is a link to `bwv-reviewer`, whose sys.executable is then `bwv-reviewer` for both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# runpy would set argv[0] to the script's path; the bootloader leaves it as the program was started
RUN = "import sys; sys.argv = sys.argv[1:]; src = open(sys.argv.pop(0)).read(); exec(compile(src, 'entry.py', 'exec'))"


@pytest.mark.parametrize("argv0, prog", [("/opt/bwv-reviewer-0.1.0/reviewer", "reviewer"),
                                         ("reviewer", "reviewer"),
                                         ("/opt/bwv-reviewer-0.1.0/bwv-reviewer", "bwv-reviewer")])
def test_the_name_started_by_chooses_cli_or_app(argv0, prog):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.run([sys.executable, "-c", RUN, str(ROOT / "packaging" / "entry.py"), argv0, "--version"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split(" ", 1)[0] == prog
