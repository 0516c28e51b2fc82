"""THE sync loop (issue 11 s.2): one thread per library that pushes the outbox and pulls the store's changes.

One cycle:
1. Push the outbox in batches (at most 500, in local op_log order). On the store's acknowledgement, one write
   transaction deletes those outbox rows and records each op's store sequence, so a resend after a crash is
   acknowledged "already_applied" and changes nothing. An operation the store refuses for good (403 naming it, a
   409 id clash, a 422 malformed envelope) is marked rejected in op_log and audited (sync.rejected), and the rest
   go on; one whose recording the store does not hold (404) stays queued ("held") without blocking the others.
2. If the incidents the store lets this user see grew, pull again from 0 (ADR 0013: a cursor does not bring a
   new assignment's older operations; apply_remote is idempotent, so a replay costs only time).
3. Pull GET /changes since the cursor; each page is applied with apply_remote inside ONE write transaction
   together with the new cursor, so a kill leaves either the whole page and its cursor or neither.
4. Apply operations parked for recordings that have arrived since; push the audit chain (sign-in helper).

It wakes at once on the store's events (wake.py) and on a change made here, else every `poll_s`; failures back off
exponentially with jitter, and the status object (status.py) shows the error. An operation whose handler fails
with anything but a ReviewerError (a bug, not a refusal) rolls its page back and stops the pull there, retried
with backoff and shown in the status, rather than being skipped: nothing the store holds is ever passed over.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable

import httpx
from sqlalchemy import delete, func, select

from reviewer.errors import ReviewerError
from reviewer.govern.gated import read_only, ungated
from reviewer.library.models import Recording
from reviewer.library.models_ops import OpLogRow, OutboxRow, SyncState
from reviewer.ops.apply import apply_parked, apply_remote
from reviewer.ops.envelope import BadOperation, Operation
from reviewer.sync.client import Offline, OpsClient, StoreAnswered
from reviewer.sync.status import SyncStatus

log = logging.getLogger(__name__)

CURSOR_KEY = "changes_cursor"
VISIBLE_KEY = "visible_incidents"
PUSH_BATCH = 500  # the store's MAX_BATCH
# Not a gate of its own: each operation it applies passes apply_remote's check of its author's role (recorded by
# the store), and what it writes itself is sync bookkeeping (acknowledgements, the cursor, refusals, audited).
SYNCING = "sync bookkeeping; each remote operation is checked by apply_remote against its author's role"

# a page is applied in one write transaction, which holds the library's write lock: at a few ms per operation
# (bench_sync), 100 keep a local edit's wait well under a second; the wire is not the cost (one GET per page)
PULL_PAGE = 100
GRANT_RENEW_S = 3600.0  # and at every (re)connection
REJECT = (403, 409, 422)  # the store will never accept this operation as it is
BISECT = (404, 422)  # which operation of the batch is meant? split the batch to find it


@dataclass
class Cycle:
    pushed: int = 0  # acknowledged this cycle (applied or already_applied)
    rejected: int = 0
    held: int = 0
    pulled: int = 0  # operations received
    applied: int = 0  # of those, newly applied here
    replayed: bool = False  # pulled from 0 because the visible set grew


class SyncLoop:
    def __init__(self, library, http, *, status: SyncStatus | None = None, poll_s: float = 30.0,
                 push_batch: int = PUSH_BATCH, pull_page: int = PULL_PAGE, backoff_min: float = 1.0,
                 backoff_max: float = 120.0, listen: bool = True, timeout: float | None = None, fault=None,
                 pace: Callable[[], None] | None = None):
        self.library, self.gov = library, library.gov
        self.http = http
        self.client = OpsClient(http, timeout)
        self.status = status or SyncStatus()
        self.poll_s, self.push_batch, self.pull_page = poll_s, push_batch, pull_page
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self.listen = listen
        self.fault = fault  # tests: called with "pushed" / "page" at the points a kill hurts most
        self.pace = pace  # called between two applied operations (pacing.py: a window's UI thread gets the GIL)
        self._held: set[str] = set()
        self._audit_pushed = -1  # the audit chain's length at the last push (this process)
        self._grant_at: float | None = None  # when the offline grant was last renewed (again after a failure)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failures = 0
        self._thread: threading.Thread | None = None
        self._listener = None
        # The store's events, handed whole to whoever acts on them (footage: catalog refresh, purges), on this
        # loop's thread at the start of the next cycle: one loop does all the talking to the store.
        self.event_handlers: list[Callable[[dict], None]] = []
        self._events: queue.SimpleQueue[dict] = queue.SimpleQueue()

    # ---- one cycle -------------------------------------------------------------------------------------------
    @ungated(SYNCING)
    def sync_once(self) -> Cycle:
        """Push everything, then pull everything. Raises Offline / StoreAnswered (the loop backs off)."""
        c = Cycle()
        self.status.update(syncing=True)
        try:
            self._handle_events()
            self._held.clear()
            self.push(c)
            self._check_visible(c)
            self.pull(c)
            self._apply_arrived()
            audit_problem = self._anchor()
        finally:
            self._report(syncing=False)
        problem = audit_problem if not c.rejected and not c.held else self.status.snapshot().last_error
        self.status.update(online=True, last_sync=dt.datetime.now(dt.timezone.utc), retry_in=None,
                           last_error=problem)
        return c

    def _handle_events(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            for handler in list(self.event_handlers):
                try:
                    handler(event)
                except (ReviewerError, httpx.HTTPError) as exc:
                    self.status.update(last_error=f"store event {event.get('event')}: {exc}")
                except Exception:  # noqa: BLE001  (a handler's bug must not stop operations syncing)
                    log.exception("store event handler %r failed", handler)

    def _queue_event(self, event: dict) -> None:
        if self.event_handlers:
            self._events.put(event)

    def _report(self, **extra) -> None:
        with self.gov.sessions() as s:
            pending = s.scalar(select(func.count()).select_from(OutboxRow)) or 0
            parked = s.scalar(select(func.count()).select_from(OpLogRow).where(OpLogRow.status == "parked")) or 0
        self.status.update(pending=pending, parked=parked, held=len(self._held), **extra)

    # ---- push ------------------------------------------------------------------------------------------------
    @ungated(SYNCING)
    def push(self, c: Cycle) -> None:
        while True:
            with self.gov.sessions() as s:
                q = (select(OpLogRow.op_id, OpLogRow.envelope).join(OutboxRow, OutboxRow.op_id == OpLogRow.op_id)
                     .order_by(OpLogRow.seq))
                if self._held:
                    q = q.where(OpLogRow.op_id.not_in(self._held))
                rows = s.execute(q.limit(self.push_batch)).all()
            if not rows:
                return
            self._push_rows([(op_id, json.loads(env)) for op_id, env in rows], c)
            self._report()

    def _push_rows(self, rows: list[tuple[str, dict]], c: Cycle) -> None:
        try:
            acks = self.client.push([env for _id, env in rows])
        except StoreAnswered as exc:
            named = exc.names() & {op_id for op_id, _env in rows}
            if exc.status in REJECT and named:
                for op_id in named:
                    self._reject(op_id, exc, c)
                rest = [r for r in rows if r[0] not in named]
                if rest:
                    self._push_rows(rest, c)
                return
            if exc.status in BISECT and len(rows) > 1:
                mid = len(rows) // 2
                self._push_rows(rows[:mid], c)
                self._push_rows(rows[mid:], c)
                return
            if exc.status == 404:
                self._hold(rows[0][0], exc, c)
                return
            if exc.status == 422:
                self._reject(rows[0][0], exc, c)
                return
            raise
        if self.fault:
            self.fault("pushed")
        with self.gov.write() as s:
            ids = [str(a["op_id"]) for a in acks]
            s.execute(delete(OutboxRow).where(OutboxRow.op_id.in_(ids)))
            logged = {r.op_id: r for r in s.scalars(select(OpLogRow).where(OpLogRow.op_id.in_(ids)))}
            for a in acks:
                row = logged.get(str(a["op_id"]))
                if row is not None:
                    row.store_seq = int(a["seq"])
        c.pushed += len(acks)

    def _hold(self, op_id: str, exc: StoreAnswered, c: Cycle) -> None:
        """The store does not (yet) hold or show this operation's recording: keep it queued, skip it this cycle."""
        self._held.add(op_id)
        c.held += 1
        with self.gov.write() as s:
            row = s.get(OutboxRow, op_id)
            if row is not None:
                row.attempts += 1
                row.last_error = exc.detail
        self.status.update(last_error=f"operation {op_id[:8]} waits: {exc.detail}")

    def _reject(self, op_id: str, exc: StoreAnswered, c: Cycle) -> None:
        c.rejected += 1
        with self.gov.write() as s:
            row = s.scalar(select(OpLogRow).where(OpLogRow.op_id == op_id))
            s.execute(delete(OutboxRow).where(OutboxRow.op_id == op_id))
            if row is None:
                return
            row.status = "rejected"
            self.gov.record(s, row.entity_type, row.entity_id, "sync.rejected", outcome="refused",
                            details={"op": op_id, "kind": row.kind, "status": exc.status, "why": exc.detail})
        self.status.update(rejected=self.status.snapshot().rejected + 1,
                           last_error=f"the store refused {row.kind} {op_id[:8]}: {exc.detail}")

    # ---- pull ------------------------------------------------------------------------------------------------
    def _state(self, s, key: str) -> str | None:
        row = s.get(SyncState, key)
        return row.value if row is not None else None

    def _set_state(self, s, key: str, value: str) -> None:
        row = s.get(SyncState, key)
        if row is None:
            s.add(SyncState(key=key, value=value))
        else:
            row.value = value

    @read_only
    def cursor(self) -> int:
        with self.gov.sessions() as s:
            return int(self._state(s, CURSOR_KEY) or 0)

    def _check_visible(self, c: Cycle) -> None:
        now = self.client.visible_incidents()
        with self.gov.write() as s:
            before = set(json.loads(self._state(s, VISIBLE_KEY) or "[]"))
            if now == before:
                return
            if now - before and int(self._state(s, CURSOR_KEY) or 0) > 0:
                self._set_state(s, CURSOR_KEY, "0")
                c.replayed = True
            self._set_state(s, VISIBLE_KEY, json.dumps(sorted(now)))

    @ungated(SYNCING)
    def pull(self, c: Cycle) -> None:
        since = self.cursor()
        while True:
            page = self.client.changes(since, self.pull_page)
            self.apply_page(page.operations, page.cursor, c)
            since = page.cursor
            if not page.more:
                return

    @ungated(SYNCING)
    def apply_page(self, operations: list[dict], cursor: int, c: Cycle) -> None:
        """A page of the store's operations (as GET /changes gives them) and the cursor after it, in ONE write
        transaction."""
        with self.gov.write() as s:
            for i, stored in enumerate(operations):
                if self.fault and i == len(operations) // 2:
                    self.fault("page")
                c.applied += self._apply(s, stored)
                if self.pace is not None:
                    self.pace()
            self._set_state(s, CURSOR_KEY, str(cursor))
        c.pulled += len(operations)

    def _apply(self, s, stored: dict) -> int:
        try:
            op = Operation.from_json(stored)
        except BadOperation as exc:
            self.gov.record(s, "operation", str(stored.get("op_id", "?"))[:64], "sync.refused", outcome="refused",
                            details={"seq": stored.get("seq"), "why": str(exc)})
            return 0
        return apply_remote(self.gov, op, stored.get("submitted_role"), int(stored["seq"])).status == "applied"

    def _apply_arrived(self) -> None:
        """Operations parked for a recording that is in the library now (downloaded or imported since)."""
        with self.gov.sessions() as s:
            shas = s.scalars(select(OpLogRow.scope_id).distinct()
                             .join(Recording, Recording.sha256 == OpLogRow.scope_id)
                             .where(OpLogRow.status == "parked", Recording.deleted_at.is_(None))).all()
        for sha in shas:
            apply_parked(self.gov, sha)

    def _anchor(self) -> str | None:
        """A linked library renews its offline grant (at each connection, then hourly) and pushes its audit
        chain when it has grown (sign-in's functions, over this loop's client). Their failure does not hold up
        operations: it is shown, and retried next cycle."""
        try:
            from reviewer.sync.link import NotLinked, push_audit, renew_grant
        except ImportError:
            return None  # a build without sign-in
        try:
            now = time.monotonic()
            if self._grant_at is None or now - self._grant_at > GRANT_RENEW_S:
                renew_grant(self.library, self.http)
                self._grant_at = now
            head = self.gov.audit.count()
            if head != self._audit_pushed:
                push_audit(self.library, self.http)
                self._audit_pushed = head
        except NotLinked:
            return None  # a library that was never linked (tests drive the loop with a client of their own)
        except (ReviewerError, httpx.HTTPError) as exc:
            return f"audit anchoring: {exc}"
        return None

    # ---- the thread ------------------------------------------------------------------------------------------
    @ungated(SYNCING)
    def start(self) -> "SyncLoop":
        self._stop.clear()
        self.gov.subscribe(self._on_local)
        self.library.subscribe(self._on_local)
        if self.listen:
            from reviewer.sync.wake import WakeListener

            self._listener = WakeListener(self.http, self.wake, on_event=self._queue_event).start()
        self._thread = threading.Thread(target=self._run, name="sync-loop", daemon=True)
        self._thread.start()
        return self

    @ungated(SYNCING)
    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        with_listener, self._listener = self._listener, None
        if with_listener is not None:
            with_listener.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self.gov.unsubscribe(self._on_local)
        self.library.unsubscribe(self._on_local)

    @ungated(SYNCING)
    def wake(self, reason: str = "store") -> None:
        """Run a cycle now (the store's events, and callers that know something changed)."""
        self._wake.set()

    def _on_local(self, name: str, _payload: dict) -> None:
        # our own applies notify too, on this loop's thread: they are not news. While the store is failing, a
        # burst of local edits must not turn the backoff into a hammering.
        if threading.current_thread() is self._thread or self._failures:
            return
        if name in ("audit_appended",):
            return
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.sync_once()
                self._failures, delay = 0, self.poll_s
            except Exception as exc:  # noqa: BLE001  (the loop outlives any one failure, and says why)
                self._failures += 1
                self._grant_at = None
                delay = min(self.backoff_max, self.backoff_min * 2 ** min(self._failures - 1, 16))
                delay *= random.uniform(0.5, 1.0)
                if not isinstance(exc, (Offline, StoreAnswered, ReviewerError)):
                    log.exception("sync cycle failed")
                self.status.update(online=not isinstance(exc, Offline), last_error=str(exc), retry_in=delay,
                                   syncing=False)
            self._wake.wait(delay)
