"""The convergence state machine (issue 11 s.5): three workstations, each a real library signed in as its own
user, edit at random through the services the UI calls, while the network partitions them, they reconnect, and
their sync is killed at the worst moments (after the store acknowledged a batch but before we recorded it; in
the middle of applying a page). At the end, reconnected and synced, all three and the store hold the same state,
nothing acknowledged is lost or duplicated, and every audit chain verifies.

Edits: one rule per operation kind. A kind another helper converts gets its rule here (and its model in
reviewer/sync/dump.py SYNCED)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from sqlalchemy import select

from reviewer.annotate.service import Annotations
from reviewer.errors import ReviewerError
from reviewer.incident.service import IncidentClocks
from reviewer.library.models_govern import Clip, EvidentialMark
from reviewer.library.models_ops import OpLogRow
from reviewer.redact import approval
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from reviewer.sync.client import Offline
from reviewer.sync.dump import canonical_state
from tests.sync import world as sw

EDITORS = ("alice", "bob", "carol")  # investigator, professional_standards, supervisor (locally as in the store)
WS = st.integers(0, len(EDITORS) - 1)
# which of the entities a copy holds: drawn whatever it holds, so the draws never depend on the store's state
# (runs share one store, and hypothesis checks that equal choices draw equal data)
PICK = st.integers(0, 10**6)
TITLES = st.sampled_from(["door", "Zoë's statement", "مرحبا", "kitchen", "CCTV 12:04", "shout"])
CATEGORIES = st.sampled_from(["use of force", "allegation", "evidence", "other"])
FIELDS = st.fixed_dictionaries({}, optional={"title": TITLES, "note": st.sampled_from(["", "seen twice", "ok"]),
                                             "pts": st.integers(0, 50_000), "category": CATEGORIES})


class Killed(Exception):
    pass


def only(state: dict, sha: str) -> dict:
    """The part of a canonical dump about one recording (workstations may see other incidents too)."""
    return {k: ({i: e for i, e in v.items() if e.get("recording") == sha} if isinstance(v, dict) else v)
            for k, v in state.items() if k != "recordings"}


class Convergence(RuleBasedStateMachine):
    world: sw.SyncWorld
    template: Path
    root: Path
    runs = 0

    def __init__(self):
        super().__init__()
        Convergence.runs += 1
        folder = self.root / f"run{Convergence.runs}"
        self.sha = self.world.sha["cfr_h264"]  # the recording every editor sees (incident a)
        self.ws = [sw.workstation(self.world, self.template, folder, p) for p in EDITORS]
        self.loops = [w.loop(push_batch=3, pull_page=4) for w in self.ws]
        self.offline = [False] * len(self.ws)
        self.kills = 0

    # ---- edits: one rule per operation kind -------------------------------------------------------------------
    def _rid(self, i: int) -> str:
        return next(r.id for r in self.ws[i].lib.recordings() if r.sha256 == self.sha)

    def _bookmarks(self, i: int, deleted: bool | None = None):
        marks = Annotations(self.ws[i].lib).bookmarks.list(self._rid(i), include_deleted=True)
        return [m for m in marks if deleted is None or m.deleted == deleted]

    @initialize()
    def something_to_edit(self):
        for i in range(len(self.ws)):
            self.bookmark_create(i, 1000 * i, "first", "other")

    @rule(i=WS, pts=st.integers(0, 50_000), title=TITLES, category=CATEGORIES)
    def bookmark_create(self, i, pts, title, category):
        Annotations(self.ws[i].lib).add_bookmark(self._rid(i), pts, title, category=category)

    @rule(i=WS, pick=PICK, fields=FIELDS)
    def bookmark_update(self, i, pick, fields):
        live = self._bookmarks(i, deleted=False)
        if live and fields:
            Annotations(self.ws[i].lib).edit_bookmark(live[pick % len(live)].id, **fields)

    @rule(i=WS, pick=PICK)
    def bookmark_delete(self, i, pick):
        live = self._bookmarks(i, deleted=False)
        if live:
            Annotations(self.ws[i].lib).delete_bookmark(live[pick % len(live)].id)

    @rule(i=WS, pick=PICK)
    def bookmark_restore(self, i, pick):
        gone = self._bookmarks(i, deleted=True)
        if gone:
            Annotations(self.ws[i].lib).bookmarks.restore(gone[pick % len(gone)].id)

    def _clips(self, i: int, deleted: bool):
        with self.ws[i].lib.gov.sessions() as s:
            return s.scalars(select(Clip.id).where(Clip.recording_id == self._rid(i),
                                                   Clip.deleted_at.is_(None) if not deleted
                                                   else Clip.deleted_at.is_not(None)).order_by(Clip.id)).all()

    @rule(i=WS, a=st.integers(0, 20_000), length=st.integers(1, 20_000), name=TITLES,
          purpose=st.sampled_from(["evidential", "training", "disclosure"]))
    def clip_create(self, i, a, length, name, purpose):
        with contextlib.suppress(ReviewerError):  # a name this copy already has: refused here, not elsewhere
            Annotations(self.ws[i].lib).add_clip(self._rid(i), a, a + length, name, purpose)

    @rule(i=WS, pick=PICK, rename=st.booleans(), name=TITLES, a=st.integers(0, 20_000),
          length=st.integers(1, 20_000))
    def clip_update(self, i, pick, rename, name, a, length):
        live = self._clips(i, deleted=False)
        if live:
            fields = {"name": name} if rename else {"in_pts": a, "out_pts": a + length}
            with contextlib.suppress(ReviewerError):  # a name taken here, an in point past the out point
                Annotations(self.ws[i].lib).edit_clip(live[pick % len(live)], **fields)

    @rule(i=WS, pick=PICK)
    def clip_delete(self, i, pick):
        live = self._clips(i, deleted=False)
        if live:
            Annotations(self.ws[i].lib).delete_clip(live[pick % len(live)])

    @rule(i=WS, pick=PICK)
    def clip_restore(self, i, pick):
        gone = self._clips(i, deleted=True)
        if gone:
            with contextlib.suppress(ReviewerError):  # its name was taken meanwhile (here, or by sync)
                Annotations(self.ws[i].lib).clips.restore(gone[pick % len(gone)])

    def _may(self, i: int, action: str) -> bool:
        from reviewer.govern.roles import Action

        return self.ws[i].lib.gov.can(Action(action))

    def _live_marks(self, i: int) -> list[str]:
        with self.ws[i].lib.gov.sessions() as s:
            return s.scalars(select(EvidentialMark.id).where(EvidentialMark.recording_id == self._rid(i),
                                                             EvidentialMark.clip_id.is_(None),
                                                             EvidentialMark.cleared_at.is_(None),
                                                             EvidentialMark.deleted_at.is_(None))
                             .order_by(EvidentialMark.id)).all()

    @rule(i=WS, ref=st.sampled_from(["CMP-1", "OP-77"]))
    def evidential_mark(self, i, ref):
        if self._may(i, "mark_evidential") and not self._live_marks(i):
            Annotations(self.ws[i].lib).mark_evidential(self._rid(i), ref, "seen on review")

    @rule(i=WS, pick=PICK)
    def evidential_clear(self, i, pick):
        live = self._live_marks(i)
        if live and self._may(i, "clear_evidential"):
            Annotations(self.ws[i].lib).clear_evidential(live[pick % len(live)], "entered in error")

    @rule(i=WS, release=st.booleans())
    def hold(self, i, release):
        """Set a legal hold, or release the live one (whichever this copy allows now)."""
        if not self._may(i, "legal_hold"):
            return
        ann = Annotations(self.ws[i].lib)
        live = ann.holds.active_for(self._rid(i))
        if live is None:
            ann.set_hold(self._rid(i), "complaint received")
        elif release:
            ann.release_hold(self._rid(i), "complaint closed")

    @rule(i=WS, pick=PICK, new=st.booleans(), where=PICK, at=st.floats(0.0, 0.9))
    def mask_keyframe_put(self, i, pick, new, where, at):
        """A keyframe added or moved on a track, or a new track: what a drag in the mask editor saves."""
        store, rid = MaskStore(self.ws[i].lib), self._rid(i)
        b = store.bounds(rid)
        x, y = at * b.width, at * b.height
        kf = Keyframe(b.first_pts + where % (b.last_pts - b.first_pts + 1), ((x, y), (x + 16, y + 16)))
        tracks = store.load(rid).tracks
        track = (tracks[pick % len(tracks)].with_keyframe(kf) if tracks and not new
                 else MaskTrack(ShapeKind.RECT, (kf,), reason="third-party face"))
        store.save_track(rid, track)

    @rule(i=WS, pick=PICK, whole=st.booleans())
    def mask_delete(self, i, pick, whole):
        store, rid = MaskStore(self.ws[i].lib), self._rid(i)
        tracks = store.load(rid).tracks
        if not tracks:
            return
        t = tracks[pick % len(tracks)]
        if whole or len(t.keyframes) == 1:
            store.delete_track(rid, t.id)
        else:
            store.save_track(rid, t.without_keyframe(t.keyframes[pick % len(t.keyframes)].pts))

    @rule(i=WS, how=st.sampled_from(["set", "nudge", "nudge", "clear"]), n=st.integers(-40, 40))
    def clock_offset(self, i, how, n):
        """The recording placed on its incident clock: what the grid's nudge and the align dialog save."""
        if not self._may(i, "align"):
            return
        clocks = IncidentClocks(self.ws[i].lib)
        if how == "set":
            clocks.set_offset(self._rid(i), n * 100_000, drift_ppm=float(n) if n % 2 else None)
        elif how == "nudge":
            clocks.nudge(self._rid(i), n)
        else:
            clocks.clear(self._rid(i))

    @rule(i=WS)
    def masks_approve(self, i):
        if self._may(i, "approve_redaction"):
            with contextlib.suppress(ReviewerError):  # nothing to approve, or the approver edited them
                approval.approve(self.ws[i].lib, self._rid(i))

    # ---- the network ----------------------------------------------------------------------------------------
    @rule(i=WS)
    def sync(self, i):
        if self.offline[i]:
            with pytest.raises(Offline):
                self.loops[i].sync_once()
        else:
            self.loops[i].sync_once()

    @rule(i=WS)
    def partition(self, i):
        self.offline[i] = True
        self.ws[i].proxy.drop()
        self.ws[i].proxy.cut_all()

    @rule(i=WS)
    def reconnect(self, i):
        self.offline[i] = False
        self.ws[i].proxy.passing()

    @precondition(lambda self: not all(self.offline))
    @rule(pick=PICK, point=st.sampled_from(["pushed", "page"]), reopen=st.booleans())
    def kill(self, pick, point, reopen):
        """Sync dies at `point`; the workstation restarts (a new loop; with `reopen`, the library reopened)."""
        online = [n for n, off in enumerate(self.offline) if not off]
        i = online[pick % len(online)]

        def fault(where):
            if where == point:
                raise Killed(where)

        try:
            self.ws[i].loop(push_batch=3, pull_page=4, fault=fault).sync_once()
        except Killed:
            self.kills += 1
        if reopen:
            w = self.ws[i]
            w.lib.close()
            w.lib = sw.open_as(w.home, self.world.user(w.person))
        self.loops[i] = self.ws[i].loop(push_batch=3, pull_page=4)

    # ---- the end --------------------------------------------------------------------------------------------
    def converge(self) -> None:
        for i in range(len(self.ws)):
            self.reconnect(i)
        for _round in range(2):  # the first round pushes everything, the second brings everyone everything
            for loop in self.loops:
                loop.sync_once()
        states = [only(canonical_state(w.lib), self.sha) for w in self.ws]
        mirror = sw.workstation(self.world, self.template, self.root / f"run{Convergence.runs}", "bob",
                                name="store-mirror")
        try:
            mirror.loop().sync_once()  # the store's state: everything it holds, applied to a fresh copy
            states.append(only(canonical_state(mirror.lib), self.sha))
            for n, s in enumerate(states[1:], 1):
                assert s == states[0], f"copy {n} differs from copy 0"
            mine = set()
            for w in self.ws:
                with w.lib.gov.sessions() as s:
                    rows = s.execute(select(OpLogRow.op_id, OpLogRow.store_seq)
                                     .where(OpLogRow.origin == "local", OpLogRow.scope_id == self.sha)).all()
                assert all(seq is not None for _o, seq in rows), "an operation was never acknowledged"
                mine |= {o for o, _s in rows}
            with mirror.lib.gov.sessions() as s:
                held = s.scalars(select(OpLogRow.op_id).where(OpLogRow.workstation.in_(
                    [w.lib.gov.workstation for w in self.ws]))).all()
            assert len(held) == len(set(held)) and set(held) == mine  # each operation in the store exactly once
            for w in (*self.ws, mirror):
                verdict = w.lib.gov.verify_audit()
                assert verdict.ok, f"{w.name}: {verdict.line()}"
        finally:
            mirror.close()

    def teardown(self):
        try:
            self.converge()
        finally:
            for w in self.ws:
                w.close()
