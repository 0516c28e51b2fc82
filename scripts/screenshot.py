"""Launch the real app on a library, open a recording at a frame, and save a screenshot of the window.

    DISPLAY=:99 .venv/bin/python scripts/screenshot.py --home DIR --frame 1347 -o docs/screenshots/main.png

Used to refresh the README's pictures and as a by-eye check of the UI; run it under Xvfb on a headless machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--recording", help="id or prefix (default: the first in the library)")
    ap.add_argument("--frame", type=int, default=0)
    ap.add_argument("--size", default="1600x1000")
    ap.add_argument("--then", help="a feature action to run before the shot, e.g. f.masks.toggle_preview")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    os.environ["REVIEWER_HOME"] = str(args.home)

    from PySide6.QtCore import QTimer
    from reviewer.library import Library
    from ui.app import create_app
    from ui.main_window import MainWindow
    from ui.settings import Settings

    app = create_app([sys.argv[0]])
    library = Library(args.home)
    window = MainWindow(library, Settings(args.home / "ui-settings.ini"), audio=False)
    w, h = (int(v) for v in args.size.split("x"))
    window.resize(w, h)
    window.move(0, 0)
    window.show()
    recs = library.recordings()
    if not recs:
        print("the library is empty", file=sys.stderr)
        return 1
    rid = library.get(args.recording).id if args.recording else recs[0].id

    def shoot() -> None:
        if os.environ.get("SHOT_DEBUG"):
            print("state", window.controller.current_index, window.controller.busy, file=sys.stderr)
        if window.controller.current_index != args.frame or window.controller.busy:
            QTimer.singleShot(100, shoot)
            return
        if args.then:
            obj = window
            for part in args.then.split("."):
                obj = getattr(obj, part)
            obj()
        QTimer.singleShot(500, lambda: (window.grab().save(str(args.output)), app.quit()))

    def opened(_src) -> None:
        # open() seeks to frame 0 right after announcing the source: ask for ours once that has been queued
        QTimer.singleShot(0, lambda: window.controller.seek(args.frame, exact=True))
        QTimer.singleShot(200, shoot)

    window.controller.sourceOpened.connect(opened)
    window.open_recording(rid, reason="other: screenshot for the README")
    app.exec()
    library.close()
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
