"""The sync loop's pacer (reviewer/sync/pacing.py): it frees the GIL every slice of work, and gives way for as
long as the window's heartbeat says the UI thread is behind, until that thread has run again (or a bound). The
counters are what is asserted, never how long anything took."""

from __future__ import annotations

import threading
import time

from reviewer.sync.pacing import Heartbeat, Pacer


def _behind(hb: Heartbeat, by: float = 1.0) -> None:
    hb.fast = True
    hb.last = time.perf_counter() - by


def test_without_a_window_it_pauses_once_a_slice_and_never_waits_for_anyone():
    p = Pacer(slice_s=0.0)
    for _ in range(3):
        p()
    assert p.pauses == 3 and p.gave_way == 0


def test_a_late_heartbeat_makes_it_give_way_until_the_ui_thread_has_run():
    hb = Heartbeat()
    _behind(hb)
    p = Pacer(hb, slice_s=3600.0, pause_s=0.001, late_s=0.020, wait_s=3600.0)
    # the UI thread runs again once the pacer has slept a few times (a bound of an hour: only the beat ends it)
    beater = threading.Thread(target=lambda: (_wait_for(lambda: p.pauses >= 3), hb.beat()))
    beater.start()
    p()
    beater.join()
    assert p.gave_way == 1 and p.pauses >= 3
    assert hb.asked > 0  # reading it asked the window's timer to tick fast


def test_it_gives_way_for_wait_s_at_most_when_the_ui_thread_stays_stuck():
    hb = Heartbeat()
    _behind(hb, by=3600.0)
    p = Pacer(hb, slice_s=3600.0, pause_s=0.001, late_s=0.020, wait_s=0.005)
    p()  # returns: the UI thread never ran
    assert p.gave_way == 1 and p.pauses >= 1


def test_a_fresh_or_a_slow_heartbeat_is_not_waited_for():
    hb = Heartbeat()
    p = Pacer(hb, slice_s=3600.0, late_s=0.020)
    hb.fast, hb.last = True, time.perf_counter() + 60  # beat "just now" (ahead: no race with the clock)
    p()
    _behind(hb)
    hb.fast = False  # the window's timer ticks slowly (no sync was applying): its stamp says nothing
    p()
    assert p.gave_way == 0 and p.pauses == 0


def test_the_heartbeat_ticks_fast_while_a_pacer_reads_it_and_slow_after():
    hb = Heartbeat()
    assert hb.beat() == Heartbeat.SLOW_S and not hb.fast
    Pacer(hb)()
    assert hb.beat() == Heartbeat.FAST_S and hb.fast
    hb.asked -= 3600.0
    assert hb.beat() == Heartbeat.SLOW_S and not hb.fast


def _wait_for(cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        time.sleep(0.001)
