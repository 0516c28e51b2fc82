"""How the CLI fails: one line on stderr naming the file (or recording) and the problem, the full trace in a log.

A traceback is noise to an investigator and a map of the code to an adversary, so none reaches the terminal;
the trace goes to HOME/logs/reviewer.log (0600: it may name evidence files) for whoever supports the install.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from reviewer.safe_text import for_terminal

EXIT_FAILED = 1
LOG_NAME = "reviewer.log"
_LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
_handler: logging.Handler | None = None


def log_path(home: Path) -> Path:
    return Path(home) / "logs" / LOG_NAME


def start_log(home: Path) -> Path | None:
    """Send this process's log records (WARNING and up, with tracebacks) to the library's log file instead of
    stderr. None when the file cannot be made: the CLI still works, it only loses the trace."""
    global _handler
    path = log_path(home)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)  # mkdir's mode applies only when it creates the folder
        # O_NOFOLLOW: a link planted at the log's name must not redirect our writes to another file
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.fchmod(fd, 0o600)  # an existing log made wider by someone else is narrowed again
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    except OSError:
        return None
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
    _handler = logging.StreamHandler(stream)
    _handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(_handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    return path


def fail(message: str, code: int = EXIT_FAILED) -> int:
    """One line on stderr: whitespace runs (newlines in a file name too) collapse, controls are escaped."""
    print(f"reviewer: {for_terminal(' '.join(str(message).split()))}", file=sys.stderr)
    return code


def unexpected(exc: BaseException, home: Path, log: Path | None) -> int:
    """A bug, not bad input: say so in one line, and where its trace went."""
    logging.getLogger("reviewer.cli").error("unexpected error", exc_info=exc)
    where = f"details are in {log}" if log is not None else f"no log could be written under {home}"
    first = str(exc).splitlines()[0] if str(exc) else ""
    return fail(f"unexpected error ({type(exc).__name__}{': ' + first[:200] if first else ''}); {where}")


def name_recordings(message: str, home: Path) -> str:
    """Replace paths inside the originals store with the recording they belong to ("recording 1a2b3c4d
    (clip.mp4)"): the store path means nothing to a user and the message should say which recording."""
    root = re.escape(str(Path(home) / "originals"))
    pattern = re.compile(root + r"[/\\][0-9a-f]{2}[/\\]([0-9a-f]{64})(\.[A-Za-z0-9]{1,10})?")
    found = {m.group(1) for m in pattern.finditer(message)}
    if not found:
        return message
    labels = _labels(found, home)
    return pattern.sub(lambda m: labels.get(m.group(1), f"the original with SHA-256 {m.group(1)[:16]}..."),
                       message)


def _labels(hashes: set[str], home: Path) -> dict[str, str]:
    """Recording labels by hash, read straight from the database (no Library: this runs after a failure, and
    must neither migrate nor write anything)."""
    import sqlite3

    db = Path(home) / "library.sqlite3"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(hashes))
            rows = con.execute(f"SELECT sha256, id, file_name FROM recordings WHERE sha256 IN ({marks}) "
                               "ORDER BY deleted_at IS NOT NULL", sorted(hashes)).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    labels: dict[str, str] = {}
    for sha, rid, name in rows:
        labels.setdefault(sha, f"recording {rid[:8]} ({name})")
    return labels
