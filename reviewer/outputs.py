"""Where an output may be written. Every output (frame, stills, export + manifest + report, bookmark, audit and
mask exports) asks `check_output_path` first, so none can replace evidence or the library itself.

Rules: nothing inside the library home except its exports/ folder (the app's default output folder), with
symlinks resolved; an existing file is replaced only when the caller says so (`overwrite`, which the CLI takes
from --overwrite and the UI from a confirmation) and never when it is read-only; a missing folder is refused
unless `make_dirs` is set, and then it is created and reported in `OutputPath.created`, so the user is told.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from reviewer.atomic import fsync_dir, release_staged
from reviewer.errors import ReviewerError


class OutputRefused(ReviewerError):
    """An output path that would damage evidence, the library or an earlier output."""


class OutputExists(OutputRefused):
    """The output is there already; the caller may ask the user and try again with overwrite."""


@dataclass(frozen=True)
class OutputPath:
    path: Path  # absolute, as the user named it (a symlink stays a symlink: the rename replaces the link)
    exists: bool
    created: tuple[Path, ...] = ()  # folders made for it, for the caller to report

    def notice(self) -> str:
        return "; ".join(f"created folder {p}" for p in self.created)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _protected(home: Path, resolved: Path) -> bool:
    """Inside the library home but not inside its own exports/ folder (the one place the app writes outputs; a
    symlinked exports/ earns no exception, it could point at the originals)."""
    home_r = home.resolve()
    if not _inside(resolved, home_r):
        return False
    exports = home_r / "exports"
    return not (_inside(resolved, exports) and resolved != exports and exports.resolve() == exports)


def _inside_message(path: Path, home: Path, what: str) -> str:
    return (f"{path}: is inside the library at {home}; no {what} is ever written there (only in its exports/ "
            "folder)")


def check_output_path(home: Path, path: str | Path, overwrite: bool = False, make_dirs: bool = False,
                      what: str = "output") -> OutputPath:
    """Refuse (OutputRefused, one line naming the path and the problem) or return where `path` may be written."""
    path = Path(path).expanduser().absolute()
    resolved = path.resolve()  # every symlink on the way, including the file itself
    if _protected(Path(home), resolved) or _protected(Path(home), path.parent.resolve() / path.name):
        raise OutputRefused(_inside_message(path, home, what))
    if resolved.is_dir():
        raise OutputRefused(f"{path}: is a folder; give a file name for the {what}")
    exists = os.path.lexists(path)
    if exists:
        st = os.stat(path) if path.exists() else os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise OutputRefused(f"{path}: is not a regular file; the {what} will not replace it")
        if not (st.st_mode & stat.S_IWUSR) or not os.access(path, os.W_OK):
            raise OutputRefused(f"{path}: is read-only; a read-only file is never replaced")
        if not overwrite:
            raise OutputExists(f"{path}: already exists; give --overwrite to replace it (or choose another name)")
    created = _ensure_folder(path.parent, make_dirs)
    return OutputPath(path, exists, created)


def check_output_dir(home: Path, folder: str | Path, make_dirs: bool = False, what: str = "output") -> OutputPath:
    """The same rules for a folder that will receive outputs (stills): not in the library, created only if asked."""
    folder = Path(folder).expanduser().absolute()
    if _protected(Path(home), folder.resolve()):
        raise OutputRefused(_inside_message(folder, home, what))
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(f"{folder}: is a file, not a folder")
    return OutputPath(folder, folder.exists(), _ensure_folder(folder, make_dirs))


def _ensure_folder(folder: Path, make_dirs: bool) -> tuple[Path, ...]:
    if folder.is_dir():
        return ()
    if not make_dirs:
        raise OutputRefused(f"{folder}: folder does not exist; create it first (the CLI's --make-dirs creates it)")
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return tuple(reversed(missing))


@contextlib.contextmanager
def removed_on_failure(created: tuple[Path, ...]):
    """Folders made for an output are removed again (when still empty) if the output fails, so a folder is
    never left behind without the user having been told of it."""
    try:
        yield
    except BaseException:
        for folder in created[::-1]:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def publish(tmp: Path, final: Path, overwrite: bool) -> None:
    """Give a fully written, fsynced temp file its final name. Without `overwrite` a file that appeared since
    the check is not replaced (link() refuses to replace; rename() would not)."""
    try:
        _rename(tmp, final, overwrite)
    finally:
        if not os.path.lexists(tmp):
            release_staged(tmp)
    fsync_dir(final.parent)


def _rename(tmp: Path, final: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, final)
    else:
        try:
            os.link(tmp, final)
        except FileExistsError:
            raise OutputExists(f"{final}: already exists; give --overwrite to replace it") from None
        except OSError:  # a file system without hard links: check, then rename
            if os.path.lexists(final):
                raise OutputExists(f"{final}: already exists; give --overwrite to replace it") from None
            os.replace(tmp, final)
        else:
            os.unlink(tmp)


def publish_all(staged: list[tuple[Path, Path]], overwrite: bool) -> None:
    """Name each (temp, final) in order, the one whose presence means "finished" last. If one fails, the temps
    are removed and the files already named are removed again: nothing finished-looking is left."""
    published: list[Path] = []
    try:
        for tmp, final in staged:
            publish(tmp, final, overwrite)
            published.append(final)
    except BaseException:
        discard(*(tmp for tmp, _final in staged), *published)
        raise


def discard(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(p)
        release_staged(p)


def write_text_output(home: Path, path: str | Path, text: str, overwrite: bool = False, make_dirs: bool = False,
                      what: str = "output") -> OutputPath:
    """A small text output (bookmark, audit or mask export): checked, then written atomically."""
    from reviewer.atomic import write_text

    target = check_output_path(home, path, overwrite, make_dirs, what)
    write_text(target.path, text)
    return target
