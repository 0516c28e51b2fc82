"""The loop as a thread: it wakes at once on a change made here and on the store's events (its poll is minutes),
goes offline with a backoff and an error the status bar can show, and comes back when the store does."""

from __future__ import annotations

import os
import time

from reviewer.annotate.service import Annotations
from reviewer.sync.dump import canonical_state
from tests.store.world import upload
from tests.sync.test_sync_loop import count, rid

POLL_S = 600.0  # never reached in these tests: only wakes make them pass


def wait_for(cond, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def test_local_changes_and_store_events_wake_the_loop(world, stations):
    from reviewer.library.models_ops import OutboxRow

    a, b = stations("alice", "carol")
    la = a.loop(poll_s=POLL_S, listen=True).start()
    lb = b.loop(poll_s=POLL_S, listen=True).start()
    try:
        wait_for(lambda: la.status.snapshot().last_sync and lb.status.snapshot().last_sync, "first cycles")
        wait_for(lambda: lb._listener and lb._listener.connected.is_set(), "b listening to the store's events")
        bid = Annotations(a.lib).add_bookmark(rid(a, world.sha["cfr_h264"]), 900, "wakes").id
        wait_for(lambda: count(a.lib, OutboxRow) == 0, "a pushed its change without waiting for a poll")
        # the store tells b's listener about a recording registered in its incident (and, once the store emits
        # them, about the operations themselves): b pulls a's change at once
        sha = upload(world.store, os.urandom(4000))
        world.admin("POST", "/recordings", json={"sha256": sha, "incident_id": world.incident["a"],
                                                 "file_name": "wake.mp4", "camera": "BWV-9"})
        wait_for(lambda: bid in canonical_state(b.lib)["bookmark"], "b pulled a's change on the store's event")
    finally:
        la.stop()
        lb.stop()


def test_offline_backs_off_shows_the_error_and_recovers(world, stations):
    (a,) = stations("alice")
    loop = a.loop(poll_s=POLL_S, backoff_min=0.2, backoff_max=1.0).start()
    try:
        wait_for(lambda: loop.status.snapshot().online, "online")
        a.proxy.drop()
        a.proxy.cut_all()
        loop.wake()
        snap = wait_for(lambda: (s := loop.status.snapshot()).online is False and s, "offline")
        assert f"cannot reach the store at {a.proxy.url}" in snap.last_error and snap.retry_in <= 1.0
        Annotations(a.lib).add_bookmark(rid(a, world.sha["cfr_h264"]), 950, "made offline")
        wait_for(lambda: loop.status.snapshot().pending == 1, "the pending count shows the offline change")
        a.proxy.passing()
        snap = wait_for(lambda: (s := loop.status.snapshot()).online and s.pending == 0 and s, "back online")
        assert snap.last_error is None and snap.last_sync is not None
    finally:
        loop.stop()


def test_store_events_reach_their_handlers_through_the_loop(world, stations):
    """The loop's one event stream hands every store event whole to its handlers (footage uses it for new
    recordings and purges), on the loop's own thread."""
    import threading

    (a,) = stations("alice")
    seen: list[tuple[str, dict, str]] = []
    loop = a.loop(poll_s=POLL_S, listen=True)
    loop.event_handlers.append(lambda e: seen.append((e["event"], e["data"], threading.current_thread().name)))
    loop.start()
    try:
        wait_for(lambda: loop._listener and loop._listener.connected.is_set(), "listening to the store's events")
        sha = upload(world.store, os.urandom(4000))
        world.admin("POST", "/recordings", json={"sha256": sha, "incident_id": world.incident["a"],
                                                 "file_name": "handed.mp4", "camera": "BWV-9"})
        got = wait_for(lambda: [e for e in seen if e[0] == "recording_registered" and e[1].get("sha256") == sha],
                       "the registration handed to the handler")
        assert got[0][2] == "sync-loop"
    finally:
        loop.stop()
