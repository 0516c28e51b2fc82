"""Print what makes a built bundle big: the ten largest items under _internal/ (a package folder, a .libs folder of
vendored libraries, or a single library), so excludes in the spec can be aimed where they pay."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# Unpacked size the smoke test holds the bundle to (tests/bundle): what the bundle measures today (packaging/README.md:
# 340.6 MB, since the desktop's libraries come from the workstation, ADR 0025) plus about 3%, which is also issue
# 12's target of 350 MB, so that growth is noticed, not accepted.
BUDGET_MB = 350


def total_bytes(bundle: Path) -> int:
    """Bytes of the files in the bundle; links (shared libraries, see shared_libs.py) take no room of their own."""
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


def contributors(bundle: Path) -> Counter:
    sizes: Counter = Counter()
    internal = bundle / "_internal"
    for path in internal.rglob("*"):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(internal).parts
            # Qt is one folder in PySide6 but many separable libraries: show them one by one
            key = "/".join(rel[:4]) if rel[:3] == ("PySide6", "Qt", "lib") else "/".join(rel[:3]) \
                if rel[:2] == ("PySide6", "Qt") else rel[0]
            sizes[key] += path.stat().st_size
    return sizes


def main() -> int:
    bundle = Path(sys.argv[1])
    print(f"total {total_bytes(bundle) / 1e6:.1f} MB")
    for key, size in contributors(bundle).most_common(10):
        print(f"{size / 1e6:8.1f} MB  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
