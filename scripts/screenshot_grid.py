"""Open an incident in the synchronised grid at an incident time and save a screenshot of the grid window.

    xvfb-run -a .venv/bin/python scripts/screenshot_grid.py --home DIR --incident REF --at 30 -o grid.png

--bookmark first makes a grid bookmark at that instant (M), so the lanes show its pins. The README's picture is made
on a fresh home, its demo made as a first run makes it and aligned by `reviewer incident align --accept`:

    xvfb-run -a .venv/bin/python scripts/screenshot_grid.py --home NEW_DIR --make-demo --align \
        --incident DEMO-2026-0001 --at 47.5 --bookmark --size 1400x600 -o docs/screenshots/grid.png

A by-eye check of ui/multicam (and the README's picture of it); run it under Xvfb on a headless machine.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--incident", required=True)
    ap.add_argument("--at", type=float, default=None, help="incident seconds (default: the incident's start)")
    ap.add_argument("--focus", type=int, default=0, help="which tile has the focus (0-3)")
    ap.add_argument("--size", default="1280x860")
    ap.add_argument("--bookmark", action="store_true", help="bookmark every camera at --at before the shot")
    ap.add_argument("--make-demo", action="store_true", help="HOME is new: make it a library (this OS account its "
                                                              "supervisor) holding the first-run demo")
    ap.add_argument("--align", action="store_true", help="accept `reviewer incident align` for --incident first")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    os.environ["REVIEWER_HOME"] = str(args.home)
    cli = [sys.executable, "-m", "reviewer"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    if args.make_demo:
        if args.home.exists():
            ap.error(f"--make-demo: {args.home} exists; give a new folder")
        subprocess.run([*cli, "admin", "init", "--supervisor", getpass.getuser()], check=True, env=env)
        from reviewer.library import Library
        from reviewer.progress import Task
        from ui.first_run import generate_and_import

        with Library(args.home) as lib:
            generate_and_import(lib, task=Task())
    if args.align:
        subprocess.run([*cli, "incident", "align", args.incident, "--accept"], check=True, env=env)

    from PySide6.QtCore import QTimer
    from reviewer.library import Library
    from ui.app import create_app
    from ui.main_window import MainWindow
    from ui.settings import Settings

    app = create_app([sys.argv[0]])
    library = Library(args.home)
    window = MainWindow(library, Settings(args.home / "ui-settings.ini"), audio=False)
    window.show()
    feature = window.f.multicam
    w, h = (int(v) for v in args.size.split("x"))
    state = {"sought": False, "bookmarked": False}

    def shoot() -> None:
        grid = feature.grid
        if grid is None or not grid.session.settled():
            QTimer.singleShot(100, shoot)
            return
        if not state["sought"]:
            state["sought"] = True
            grid.resize(w, h)
            grid.session.set_focus(grid.session.keys[args.focus])
            if args.at is not None:
                grid.session.seek(args.at)
            QTimer.singleShot(100, shoot)
            return
        if args.bookmark and not state["bookmarked"]:
            state["bookmarked"] = True
            grid.bookmarks.add()
        marks = grid.lanes.marks
        if args.bookmark and not any(m.bookmarks for m in marks.by_key.values()):
            QTimer.singleShot(100, shoot)  # written, then read back for the lanes
            return
        QTimer.singleShot(500, lambda: (grid.grab().save(str(args.output)), app.quit()))

    feature.open_incident(args.incident, reason="other: screenshot for the README")
    QTimer.singleShot(200, shoot)
    app.exec()
    library.close()
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
