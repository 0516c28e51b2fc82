"""One version line for both entry points: `reviewer --version` and `bwv-reviewer --version`.

A built bundle carries resources/build-info.json (written by packaging/bwv-reviewer.spec), so IT can tell exactly
which commit a workstation runs without git; a source checkout asks git instead.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from reviewer import __version__
from reviewer.resources import find_resource

BUILD_INFO = "build-info.json"


def build_info() -> dict:
    """{"version", "commit", "built"}: from the bundle's build-info.json, else from the checkout's git."""
    path = find_resource(BUILD_INFO)
    if path is not None:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            return {"version": __version__, "commit": str(info["commit"]), "built": str(info["built"])}
        except (OSError, ValueError, KeyError):
            pass  # a damaged file must not stop --version; say "unknown" below instead
    return {"version": __version__, "commit": _git_commit() or "unknown", "built": "source tree"}


def version_line(prog: str) -> str:
    info = build_info()
    return f"{prog} {info['version']} (commit {info['commit']}, built {info['built']})"


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


class VersionAction(argparse.Action):
    """`--version` that works out the commit only when asked (git costs a process on every CLI call otherwise)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):  # noqa: A002
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "print the version, commit and build date, then exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line(parser.prog))
        parser.exit()
