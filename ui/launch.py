"""`bwv-reviewer`: the desktop entry point (the bundle's windowed executable and the .desktop file's Exec).

    bwv-reviewer [--home DIR] [FILE_OR_ID] [--frame N] [--reason TEXT] [--screenshot OUT.png]

A FILE is imported into the library first (as "Open with BWV Reviewer" expects) and then opened; an ID opens that
recording. When the app is already running on the same library, the request goes to its window instead
(ui/single_instance.py). --screenshot saves the window once frame N is on screen, writes OUT.png.json (where the video sits in
the shot, which frame the player says it shows) and quits: the bundle's smoke test reads the burned-in frame code
back from it, so it proves the packaged decoder, player and canvas, not only the import graph.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from reviewer.version import VersionAction

EXIT_FAILED = 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bwv-reviewer", description="BWV Reviewer: review body-worn video.")
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--home", type=Path, help="library folder (overrides REVIEWER_HOME)")
    p.add_argument("target", nargs="?", metavar="FILE_OR_ID", help="a video file to import and open, or a recording id")
    p.add_argument("--frame", type=int, default=0, metavar="N", help="show presented frame N (0-based)")
    p.add_argument("--reason", metavar="TEXT", help="why the footage is consulted (audit trail)")
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.home is not None:
        os.environ["REVIEWER_HOME"] = str(args.home.expanduser().absolute())
    if args.screenshot is not None and args.target is None:
        return _fail("--screenshot needs a FILE_OR_ID to open")
    if args.target is not None and Path(args.target).exists():
        args.target = str(Path(args.target).absolute())  # a running window has another working directory
    from reviewer.config import default_home
    from ui import single_instance

    home = default_home()
    automated = args.screenshot is not None  # its own window, always: tests and benchmarks time exactly that
    if not automated and single_instance.hand_over(home, args.target, args.frame):
        return 0
    from ui import app

    def after_show(window, library):
        if not automated:
            window.instance_server = single_instance.serve(
                home, lambda target, frame: _handed_over(window, library, target, frame), parent=window)
        if args.target is not None:
            _open_target(window, library, args)
        else:
            from ui import first_run

            first_run.maybe_generate_demo(window)

    return int(app.main([sys.argv[0]], after_show=after_show) or 0)


def _handed_over(window, library, target: str | None, frame: int) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()
    if target is not None:
        _open_target(window, library, argparse.Namespace(target=target, frame=frame, reason=None, screenshot=None))


def _fail(message: str) -> int:
    print(f"bwv-reviewer: {message}", file=sys.stderr)
    return EXIT_FAILED


def _open_target(window, library, args) -> None:
    """An existing file is imported first, in the background with the usual progress (a duplicate resolves to the
    recording already held); anything else is a recording id."""
    path = Path(args.target)
    if path.is_file():
        window.import_paths([path], then=lambda report: _open_imported(window, report, path, args))
        return
    from reviewer.errors import ReviewerError

    try:
        rid = library.get(args.target).id
    except ReviewerError as exc:
        _cannot_open(window, args, str(exc))
        return
    _open(window, rid, args)


def _open_imported(window, report, path: Path, args) -> None:
    if report.added:
        _open(window, report.added[0].id, args)
    elif report.duplicates:
        _open(window, report.duplicates[0][1].id, args)
    else:  # the import's report dialog already shows why
        _cannot_open(window, args, report.errors[0][1] if report.errors else f"{path}: not imported")


def _cannot_open(window, args, message: str) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.dialogs.message import show_message

    if args.screenshot is None:  # a person is watching: tell them in the window, keep the app open
        window.last_alert = show_message(window, "Cannot open", message)
        return
    print(f"bwv-reviewer: {' '.join(message.split())}", file=sys.stderr)
    QApplication.instance().exit(EXIT_FAILED)


def _open(window, rid: str, args) -> None:
    from PySide6.QtCore import Qt

    if args.frame or args.screenshot is not None:
        window.controller.sourceOpened.connect(lambda _src: _seek_then(window, args),
                                               Qt.ConnectionType.SingleShotConnection)
    window.open_recording(rid, reason=args.reason)


def _seek_then(window, args) -> None:
    from PySide6.QtCore import QTimer

    # open() queues a seek to frame 0 right after announcing the source: ask for ours after that one
    QTimer.singleShot(0, lambda: window.controller.seek(args.frame, exact=True))
    if args.screenshot is not None:
        QTimer.singleShot(50, lambda: _shoot_when_shown(window, args))


def _shoot_when_shown(window, args) -> None:
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtWidgets import QApplication

    from reviewer.atomic import write_bytes, write_text

    canvas = window.canvas
    if canvas.shown_index != args.frame or window.controller.busy:
        QTimer.singleShot(50, lambda: _shoot_when_shown(window, args))
        return
    shot = window.grab()
    rect = canvas.frame_rect()
    top_left = canvas.mapTo(window, QPoint(rect.x(), rect.y()))
    dpr = shot.devicePixelRatio()
    info = {"shown_index": canvas.shown_index, "shown_at": time.time(),  # bench/bench_cold_start.py
            "frame_rect": [round(top_left.x() * dpr), round(top_left.y() * dpr),
                           round(rect.width() * dpr), round(rect.height() * dpr)]}
    out = args.screenshot
    write_bytes(out, _png_bytes(shot))
    write_text(out.with_name(out.name + ".json"), json.dumps(info))
    QApplication.instance().quit()


def _png_bytes(pixmap) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    buf = QByteArray()
    device = QBuffer(buf)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(device, "PNG")
    return bytes(buf.data())


if __name__ == "__main__":
    sys.exit(main())
