"""The frozen bundle's one script, behind two executables: `reviewer` (console) runs the CLI, `bwv-reviewer`
(windowed on Windows and macOS) the desktop app. One Analysis serves both, so the bundle holds one copy of
everything and the two can never drift apart."""

import sys
from pathlib import Path

if Path(sys.executable).stem.lower() == "reviewer":
    from reviewer.cli import main
else:
    from ui.launch import main

sys.exit(main())
