"""Governance of one library: who the user is, what they may do, and the audit trail of what they did.

Every governed change runs inside `write()`: one transaction that takes SQLite's write lock first, checks the
permission, makes the change, and appends its audit event, all committed together. A refusal rolls the change
back and is then recorded on its own, so a refused action leaves exactly one "refused" event and nothing else.

UI notes: `subscribe` delivers ("audit_appended", {"seq"}), ("users_changed", {}) and the annotation/retention
events of the services built on this object; callbacks run on the emitting thread. `undo` is the library's one
UndoStack (bind Ctrl+Z / Ctrl+Shift+Z to undo.undo() / undo.redo()).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from reviewer.annotate.undo import UndoStack
from reviewer.config import Paths, workstation_id
from reviewer.events import Publisher
from reviewer.govern.audit import KEY_REGISTERED, AuditLog, format_at, known_keys
from reviewer.govern.audit_chain import Verdict
from reviewer.govern.checkpoints import CheckpointLog, CheckpointRecord
from reviewer.govern.identity import (UserView, checked_username, os_account, resolve_username, unregistered_view,
                                      user_view)
from reviewer.govern.roles import Action, GrantRefused, PermissionDenied, Role, allowed
from reviewer.govern.signing import KeyUnavailable, WorkstationSigner
from reviewer.govern.state import STATE_KEY, with_state
from reviewer.library.models_govern import LibrarySetting, User, WorkstationKey

TEST_LIBRARY = "test_library"  # library_settings key: REVIEWER_USER is honoured only where its value is "1"

log = logging.getLogger(__name__)

# A no-op write as the first statement: SQLite then holds the write lock for the whole transaction, so reads
# made before the change (the audit head, a permission) cannot go stale under another process's commit.
_TAKE_WRITE_LOCK = text("UPDATE users SET revision = revision WHERE 0")
CHECKPOINT_EVERY = 100

CheckpointSink = Callable[[CheckpointRecord], None]


@dataclass
class Gated:
    """What passed the gate: the transaction to change rows in, the role it ran as, and the audit event's
    details and outcome (the body may add to both); `seq` once the event is written."""

    session: Session
    role: Role
    action: Action
    details: dict
    outcome: str = "ok"
    object_id: str = ""  # set by a body that creates the object (its id is known only then)
    seq: int | None = None


def checkpoint_path(paths: Paths) -> Path:
    return paths.home / "audit" / "checkpoints.jsonl"


class Governance:
    def __init__(self, paths: Paths, sessions: sessionmaker[Session], write_lock: threading.RLock,
                 as_os_account: bool = False):
        self.paths = paths
        self.sessions = sessions
        self.os_account = os_account()
        self.test_library = self.setting(TEST_LIBRARY) == "1"
        # as_os_account: `admin init` acts as the real account whatever REVIEWER_USER says (it runs before a
        # library can be a test library)
        self.username = self.os_account if as_os_account else resolve_username(self.test_library, paths.database)
        self.workstation = workstation_id(paths.home)
        self.follow_store_identity()
        self.checkpoints = CheckpointLog(checkpoint_path(paths))
        self.audit = AuditLog(sessions, self.checkpoints)
        self.checkpoint_every = CHECKPOINT_EVERY
        # Sync registers a sink that pushes each checkpoint to the central store.
        self.checkpoint_sinks: list[CheckpointSink] = []
        self.undo = UndoStack()
        self.undo_heads: dict = {}  # (entity type, id) -> op_id after the undo stack's last change (ops.apply)
        self._lock = write_lock
        self._events = Publisher()
        self._local = threading.local()
        self._justifications: dict[str, str] = {}
        self._viewings: dict[str, tuple[str, float]] = {}
        self._unsealed = False  # this process appended events not yet covered by a checkpoint
        self.key = WorkstationSigner(self.workstation)
        self.seal_error: str | None = None  # why the last checkpoint could not be sealed (no secure keyring)
        self._registering = False

    @property
    def actor(self) -> str:
        """What Tracked.updated_by records: the user at this workstation."""
        return f"{self.username}@{self.workstation}"

    # ---- events ---------------------------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[str, dict], None]) -> None:
        self._events.subscribe(callback)

    def unsubscribe(self, callback: Callable[[str, dict], None]) -> None:
        self._events.unsubscribe(callback)

    def notify(self, name: str, payload: dict | None = None) -> None:
        """Announce a change: after the commit when inside write(), so listeners never see uncommitted state."""
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            tx["events"].append((name, dict(payload or {})))
        else:
            self._events.emit(name, payload)

    # ---- transactions ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction holding SQLite's write lock; nested calls share the outer transaction."""
        outer = getattr(self._local, "tx", None)
        if outer is not None:
            yield outer["session"]
            return
        with self._lock:
            tx: dict = {"appended": [], "events": []}
            try:
                with self.sessions.begin() as s:
                    s.execute(_TAKE_WRITE_LOCK)
                    tx["session"] = s
                    self._local.tx = tx
                    yield s
                    self._local.tx = None
            except PermissionDenied as exc:
                self._local.tx = None
                if not exc.audited:
                    self._record_refusal(exc)
                raise
            finally:
                self._local.tx = None
        self._after_commit(tx)

    def _after_commit(self, tx: dict) -> None:
        appended = tx["appended"]
        if appended:
            every = max(1, self.checkpoint_every)
            crossing = [(seq, h) for seq, h in appended if seq % every == 0]
            if crossing and not self._registering:  # a key registration is followed by its own checkpoint
                self._write_checkpoint(*crossing[-1])
            self._unsealed = not crossing or crossing[-1][0] != appended[-1][0]
            self._events.emit("audit_appended", {"seq": appended[-1][0]})
        for name, payload in tx["events"]:
            self._events.emit(name, payload)

    # ---- identity and permissions ---------------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        with self.sessions() as s:
            return s.scalar(select(LibrarySetting.value).where(LibrarySetting.key == key))

    def store_authority(self, s: Session | None = None):
        """The store's signed grant for this workstation (reviewer.sync.grant.Authority), or None when the library
        is not linked to a store and its users table is the authority."""
        from reviewer.sync.grant import authority

        if s is None:
            with self.sessions() as s2:
                return authority(s2, self.workstation)
        return authority(s, self.workstation)

    def follow_store_identity(self) -> None:
        """In a linked library the user is the one the store's grant names (verified), not the OS account."""
        auth = self.store_authority()
        if auth is not None and auth.grant is not None:
            self.username = checked_username(auth.grant.user, "the store's grant")

    def _user_row(self, s: Session) -> User | None:
        """This user's live row, or None: an OS account the library does not know is never added by using it
        (only `admin init` and a supervisor's set-role add users), and may do nothing gated."""
        return s.scalar(select(User).where(User.username == self.username, User.deleted_at.is_(None)))

    def me(self) -> UserView:
        with self.sessions() as s:
            auth = self.store_authority(s)
            if auth is not None:
                return UserView("", self.username, self.username, auth.role, None, None, auth.url or "")
            row = self._user_row(s)
            return user_view(row) if row is not None else unregistered_view(self.username)

    def role(self, s: Session | None = None) -> Role:
        return self._role_and_authority(s)[0]

    def _role_and_authority(self, s: Session | None):
        """(role, the store's Authority or None): a linked library's grant, else the users table."""
        if s is None:
            with self.sessions() as s2:
                return self._role_and_authority(s2)
        # Within one write transaction the answer is kept (a page of synced operations asks once per audit event;
        # each answer costs a users-table read or a grant signature check). record() drops it when an event
        # changes governed rows (a role, the store link), so a later question in the same transaction sees that.
        tx = getattr(self._local, "tx", None)
        mine = tx is not None and tx.get("session") is s
        if mine and "role" in tx:
            return tx["role"]
        auth = self.store_authority(s)
        if auth is not None:
            found = auth.role, auth
        else:
            row = self._user_row(s)
            found = (Role(row.role) if row is not None else Role.UNREGISTERED), None
        if mine:
            tx["role"] = found
        return found

    def has_supervisor(self) -> bool:
        """False for a new library (and one whose users table has no supervisor): `admin init` is then needed."""
        with self.sessions() as s:
            return bool(s.scalar(select(func.count()).select_from(User).where(
                User.role == Role.SUPERVISOR.value, User.deleted_at.is_(None))))

    def can(self, action: Action) -> bool:
        """For enabling buttons; the core still checks (and audits a refusal) when the action is attempted."""
        role, auth = self._role_and_authority(None)
        if auth is not None and auth.problem and action is not Action.VIEW:
            return False  # read-only until the store's grant is renewed
        return allowed(role, action)

    @contextlib.contextmanager
    def gate(self, action: Action, object_type: str, object_id: str, event: str, *, details: dict | None = None,
             justification: str | None = None) -> Iterator["Gated"]:
        """The one door for anything that reveals footage or changes state: one write transaction that checks
        `action`, runs the body (which may change rows through `g.session` and add to `g.details`), and appends
        the audit event `event`, all committed together. A refusal leaves exactly one "refused" event; an
        exception in the body rolls everything back. After the block, `g.seq` is the event's sequence number."""
        with self.write() as s:
            role = self.require(action, object_type, object_id, details, s=s)
            g = Gated(session=s, role=role, action=action, details=dict(details or {}))
            yield g
            g.seq = self.record(s, object_type, g.object_id or object_id, event, outcome=g.outcome,
                                details=g.details, justification=justification)

    def require(self, action: Action, object_type: str = "", object_id: str = "", details: dict | None = None,
                s: Session | None = None) -> Role:
        """Raise PermissionDenied unless the current user's role allows `action`. The refusal is audited: by
        write() when `s` is its session (after the rollback), otherwise here."""
        role, auth = self._role_and_authority(s)
        if auth is not None and auth.problem and (action is not Action.VIEW or not allowed(role, action)):
            exc: PermissionDenied = GrantRefused(self.username, role, action, object_type, object_id, details,
                                                 reason=auth.problem)
        elif allowed(role, action):
            return role
        else:
            exc = PermissionDenied(self.username, role, action, object_type, object_id, details)
        if s is None:
            self._record_refusal(exc)
        raise exc

    def _record_refusal(self, exc: PermissionDenied) -> None:
        with self.write() as s:
            self.record(s, exc.object_type or "action", exc.object_id, exc.action.value, outcome="refused",
                        details={**exc.details, "reason": str(exc)})
        exc.audited = True

    # ---- audit ----------------------------------------------------------------------------------------------
    def record(self, s: Session, object_type: str, object_id: str, action: str, *, outcome: str = "ok",
               details: dict | None = None, justification: str | None = None) -> int:
        """Append an event inside the write transaction `s` (from write()). Returns its sequence number."""
        tx = getattr(self._local, "tx", None)
        if tx is None or tx["session"] is not s:
            raise RuntimeError("audit events are appended inside Governance.write()")
        seq, h = self.audit.append(s, user=self.username, role=self.role(s).value, workstation=self.workstation,
                                   os_account=self.os_account,
                                   object_type=object_type, object_id=object_id, action=action, outcome=outcome,
                                   details=details, justification=justification,
                                   head=tx["appended"][-1] if tx["appended"] else None)
        tx["appended"].append((seq, h))
        if details and STATE_KEY in details:
            tx.pop("role", None)  # governed rows changed (perhaps a role or the store link): ask again
        return seq

    def record_now(self, object_type: str, object_id: str, action: str, *, outcome: str = "ok",
                   details: dict | None = None, justification: str | None = None) -> int:
        """An event that is not part of a data change (opening, viewing, verification): its own transaction."""
        with self.write() as s:
            return self.record(s, object_type, object_id, action, outcome=outcome, details=details,
                               justification=justification)

    def verify_audit(self, extra_checkpoints=()) -> Verdict:
        """Check the chain against the checkpoints, record the run, and checkpoint the head when it is sound."""
        verdict = self.audit.check(extra_checkpoints)
        if verdict.ok:
            verdict = self._replay(verdict)
        details = {"checked": verdict.checked, "problem": verdict.problem, "first_bad_seq": verdict.first_bad_seq}
        if verdict.notes:
            details["problems"] = verdict.notes[:100]
        self.record_now("audit", "", "audit.verify", outcome="ok" if verdict.ok else "broken", details=details)
        if verdict.ok:
            self.checkpoint()
        return verdict

    def _replay(self, verdict: Verdict) -> Verdict:
        """The chain is sound: do the governed tables hold exactly what it says? (replay.py)"""
        from reviewer.govern.replay import replay_problems

        with self.sessions() as s:
            problems = replay_problems(s)
        if not problems:
            return verdict
        return Verdict(False, verdict.checked, f"{len(problems)} governed row(s) disagree with the audit trail "
                       "(changed outside the app)", notes=problems)

    def checkpoint(self) -> CheckpointRecord | None:
        """Write a checkpoint of the current head now (also done every `checkpoint_every` events)."""
        with self.sessions() as s:
            count, head = self.audit.head(s)
        self._unsealed = False
        return self._write_checkpoint(count, head) if count else None

    def register_key(self, quick: bool = False) -> bool:
        """Register this workstation's public key in the library (audited) unless it is known; True if it was
        registered now. KeyUnavailable without a secure keyring. `quick` (on open): any key of this workstation
        counts as known, answered from the library alone without a keyring call; sealing checks the exact key
        (a keyring that was reset holds a new one)."""
        if quick:
            with self.sessions() as s:
                if s.scalar(select(WorkstationKey.id).where(WorkstationKey.workstation == self.workstation,
                                                            WorkstationKey.deleted_at.is_(None)).limit(1)):
                    return False
        kid = self.key.key_id
        with self.sessions() as s:
            if s.get(WorkstationKey, kid) is not None:
                return False
        self._registering = True
        try:
            with self.write() as s:
                if s.get(WorkstationKey, kid) is not None:
                    return False
                row = WorkstationKey(id=kid, workstation=self.workstation, public_key=self.key.public_raw().hex(),
                                     updated_by=self.actor)
                s.add(row)
                s.flush()
                self.record(s, "workstation_key", kid, KEY_REGISTERED, details=with_state(
                    {"workstation": self.workstation, "algorithm": "Ed25519"}, row))
        finally:
            self._registering = False
        return True

    def known_keys(self) -> dict[str, str]:
        with self.sessions() as s:
            return known_keys(s)

    def _write_checkpoint(self, count: int, head: str) -> CheckpointRecord | None:
        """Sealed with the workstation key, or not written at all: an unsigned checkpoint would be one anybody
        could forge."""
        try:
            if self.register_key():  # its event moved the head: seal that
                with self.sessions() as s:
                    count, head = self.audit.head(s)
            rec = self.checkpoints.append(count, head, format_at(dt.datetime.now(dt.timezone.utc)), self.workstation,
                                          lambda h: self.key.sign(h))
            self.seal_error = None
        except KeyUnavailable as exc:
            self.seal_error = str(exc)
            log.info("audit checkpoint not written: %s", exc)  # callers surface seal_error
            return None
        except OSError:
            # The event itself is committed; a missed checkpoint only narrows tail-cut detection until the next.
            log.exception("audit checkpoint could not be written to %s", self.checkpoints.path)
            return None
        if rec is not None:
            for sink in list(self.checkpoint_sinks):
                try:
                    sink(rec)
                except Exception:
                    log.exception("checkpoint sink %r failed", sink)
        return rec

    def close(self) -> None:
        """Checkpoint what this process appended, so cutting off a session's last events is detectable too."""
        if self._unsealed:
            try:
                self.checkpoint()
            except Exception:  # closing must not fail; the events themselves are committed
                log.exception("closing checkpoint failed")

    # ---- justification and viewing sessions -----------------------------------------------------------------
    def remember_justification(self, recording_id: str, reason: str) -> None:
        self._justifications[recording_id] = reason

    def justification_for(self, recording_id: str) -> str | None:
        """The reason already given for this recording in this session: the UI asks once per recording."""
        return self._justifications.get(recording_id)

    def viewing_started(self, recording_id: str, reason: str | None = None) -> str:
        """Record the start of a viewing session; returns the token for viewing_ended."""
        self.require(Action.VIEW, "recording", recording_id)
        reason = reason or self.justification_for(recording_id)
        token = str(uuid.uuid4())
        self.record_now("recording", recording_id, "recording.view_start", justification=reason,
                        details={"session": token})
        self._viewings[token] = (recording_id, time.monotonic())
        return token

    def viewing_ended(self, token: str) -> None:
        recording_id, t0 = self._viewings.pop(token, (None, 0.0))
        if recording_id is None:
            return
        self.record_now("recording", recording_id, "recording.view_end",
                        details={"session": token, "seconds": round(time.monotonic() - t0, 3)})
