"""How the Python interpreter is set for a window whose other threads run Python while the user works.

Every thread shares one GIL, and a garbage collection of the oldest generation holds it throughout: with the
~250,000 objects a window's start leaves (modules, classes, widgets, SQLAlchemy's and NumPy's machinery) one such
collection takes a second on a loaded machine, and a sync of 10,000 operations sets off a dozen, so the UI froze
for up to that long whichever thread ran them (issue 11: bench/bench_ui_stall.py --only-sync).
"""

from __future__ import annotations

import gc
import sys

# a thread waiting for the GIL (the UI thread, after a C++ call or between events) asks for it after this long
# instead of CPython's 5 ms: a sync thread running Python hands it over within a millisecond
SWITCH_INTERVAL_S = 0.001

_settled = False


def settle() -> None:
    """Once per process, when the window is built: collect what start-up left behind, then take every object
    still alive out of the collector's sight (gc.freeze), so a full collection walks only what was made since.
    Frozen objects are still freed when nothing refers to them; only cycles among them are kept, and start-up's
    objects live as long as the process anyway."""
    global _settled
    if _settled:
        return
    _settled = True
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
