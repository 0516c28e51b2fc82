"""The frozen bundle's one script: `reviewer` (console) runs the CLI, `bwv-reviewer` (windowed on Windows and macOS)
the desktop app. One Analysis serves both, so the bundle holds one copy of everything and the two can never drift
apart.

Dispatch is on the name the program was started by (argv[0]), not on sys.executable: on Linux `reviewer` is a
symbolic link to `bwv-reviewer` (one executable, one copy of the archive; bwv-reviewer.spec), and the bootloader
resolves sys.executable through links, to `bwv-reviewer` for both."""

import sys
from pathlib import Path

if Path(sys.argv[0] if sys.argv and sys.argv[0] else sys.executable).stem.lower() == "reviewer":
    from reviewer.cli import main
else:
    from ui.launch import main

sys.exit(main())
