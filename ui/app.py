"""Application entry: QApplication, identity, HiDPI policy, the dark theme, the library and the main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer.config import default_home
from reviewer.resources import find_resource
from ui import crash_log, first_run
from ui.settings import Settings
from ui.theme import apply_theme

ORG_NAME = "BWV Reviewer"
APP_NAME = "BWV Reviewer"
ICON = "icons/bwv-reviewer-256.png"  # PNG, so no image-format plugin is needed to show it


def create_app(argv: list[str]) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # Fractional scale factors (125%, 150%) rendered as asked, not rounded: text and video stay crisp.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("bwv-reviewer")  # Wayland/X11 match the window to resources/bwv-reviewer.desktop
    icon = find_resource(ICON)
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    apply_theme(app)
    return app


def main(argv: list[str] | None = None, *, after_show=None) -> int:
    """Run the app. after_show(window, library), if given, replaces the first-run demo offer: the launcher uses it
    to open a recording named on the command line."""
    argv = list(sys.argv if argv is None else argv)
    app = create_app(argv)
    from reviewer.library import Library  # after QApplication, so a failure can be shown in a dialog
    from ui.main_window import MainWindow

    home = default_home()  # REVIEWER_HOME, else the platform's user data folder
    try:
        crash_log.install(home)
    except OSError as exc:  # a read-only home still opens (the library says what it can); only the log is lost
        print(f"bwv-reviewer: no log file in {home}: {exc}", file=sys.stderr)
    try:
        library = Library(home)
    except Exception as exc:  # noqa: BLE001 - the user needs the reason, not a traceback
        crash_log.log.error("The library at %s could not be opened", home, exc_info=True)
        QMessageBox.critical(None, "Cannot open the library", f"The library at {home} could not be opened:\n\n{exc}")
        return 1
    window = MainWindow(library, Settings(home / "ui-settings.ini"))
    window.show()
    if after_show is None:
        QTimer.singleShot(0, lambda: first_run.start(window))
    else:
        def named_file() -> None:  # a new library needs its supervisor before a named file can be imported
            first_run.maybe_initialise(window)
            after_show(window, library)

        QTimer.singleShot(0, named_file)
    try:
        return app.exec()
    finally:
        library.close()


if __name__ == "__main__":
    sys.exit(main())
