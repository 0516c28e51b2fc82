"""Sync in the status bar: online or offline, operations waiting to be pushed, the last sync, who is signed in with
which role, and until when the store's grant lets this workstation edit offline.

The figures come from the Qt-free sync status object (reviewer/sync/status.py, the loop's) and from the library
(outbox count, the grant). They are read off the UI thread on a coalesced timer: at most one read in flight, at
most one every POLL_MS, sooner (MIN_GAP_MS) when something changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget
from sqlalchemy import func, select

from reviewer.library.models_ops import OutboxRow
from ui import theme

POLL_MS = 1000
MIN_GAP_MS = 200
UTC = dt.timezone.utc


def _when(v: Any) -> dt.datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    if isinstance(v, (int, float)):
        return dt.datetime.fromtimestamp(v, UTC)
    try:
        t = dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _loop_values(loop_status) -> dict:
    if loop_status is None:
        return {}
    snap = loop_status.snapshot() if hasattr(loop_status, "snapshot") else vars(loop_status)
    snap = snap.to_json() if hasattr(snap, "to_json") else dict(snap if isinstance(snap, dict) else vars(snap))
    return {k: snap.get(k) for k in ("online", "pending", "last_sync", "last_error") if k in snap}


def snapshot(library, loop_status=None, task=None) -> dict:
    """What the status bar shows, read on a worker thread."""
    gov = library.gov
    with library.sessions() as s:
        pending = int(s.scalar(select(func.count()).select_from(OutboxRow)))
    out = {"linked": False, "online": None, "pending": pending, "last_sync": None, "last_error": None,
           "user": gov.username, "role": gov.role().value, "grant_expires_at": None, "problem": None}
    authority = getattr(gov, "store_authority", None)
    auth = authority() if authority is not None else None
    if auth is not None:
        out.update(linked=auth.url is not None, grant_expires_at=_when(auth.expires_at), problem=auth.problem,
                   user=auth.user or out["user"], role=auth.role.value)
    loop = _loop_values(loop_status)
    if loop:
        out["linked"] = True
        out.update({k: v for k, v in loop.items() if k != "pending" or v is not None})
        out["last_sync"] = _when(out["last_sync"])
    return out


def _local(t: dt.datetime) -> str:
    local = t.astimezone()
    today = dt.datetime.now().astimezone().date()
    return local.strftime("%H:%M:%S") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


class SyncStatusBar(QWidget):
    refreshed = Signal(dict)

    def __init__(self, library, runner, loop_status=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.library, self.runner, self.loop_status = library, runner, loop_status
        self.values: dict = {}
        self.badge = QLabel()
        self.badge.setObjectName("syncBadge")
        self.pending = QLabel()
        self.pending.setObjectName("syncPending")
        self.last = QLabel()
        self.last.setObjectName("syncLast")
        self.user = QLabel()
        self.user.setObjectName("syncUser")
        self.grant = QLabel()
        self.grant.setObjectName("syncGrant")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        for w in (self.badge, self.pending, self.last, self.user, self.grant):
            lay.addWidget(w)
        self._in_flight = False
        self._again = False
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.poke)
        self._soon = QTimer(self, singleShot=True, interval=MIN_GAP_MS)
        self._soon.timeout.connect(self._read)
        self._poll.start()
        self.poke()

    def set_loop_status(self, loop_status) -> None:
        self.loop_status = loop_status
        self.poke()

    def poke(self) -> None:
        """Something may have changed: read again soon (coalesced)."""
        if self._in_flight:
            self._again = True
        elif not self._soon.isActive():
            self._soon.start()

    def stop(self) -> None:
        self._poll.stop()
        self._soon.stop()

    def _read(self) -> None:
        self._in_flight = True
        self.runner.run(snapshot, self.library, self.loop_status, key="sync-status", on_done=self.show_values,
                        on_error=self._failed, on_cancelled=self._finished)

    def _finished(self) -> None:
        self._in_flight = False
        if self._again:
            self._again = False
            self.poke()

    def _failed(self, exc: BaseException) -> None:
        self._finished()
        self.badge.setText("Sync status unavailable")
        self.badge.setToolTip(str(exc))

    def show_values(self, v: dict) -> None:
        self._finished()
        self.values = v
        if not v.get("linked"):
            badge, colour, tip = "Standalone", theme.DIM_TEXT, "Not linked to a central store (Sync > Sign in…)"
        elif v.get("online"):
            badge, colour, tip = "● Online", theme.OK, "Connected to the central store"
        else:
            badge, colour = "● Offline", theme.WARN
            tip = "Working offline; changes are kept and pushed when the store is reachable"
            if v.get("last_error"):
                tip += f"\nLast error: {v['last_error']}"
        self.badge.setText(badge)
        self.badge.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.badge.setToolTip(tip)
        n = v.get("pending") or 0
        if v.get("linked"):
            self.pending.setText(f"{n} change{'s' if n != 1 else ''} to push" if n else "All changes pushed")
        else:  # nowhere to push to: "1 change to push" on a standalone library reads as work not yet saved
            self.pending.setText("")
        self.pending.setVisible(bool(self.pending.text()))
        last = v.get("last_sync")
        self.last.setText(f"Last sync {_local(last)}" if last else ("Never synced" if v.get("linked") else ""))
        self.last.setVisible(bool(self.last.text()))
        self.user.setText(f"{v.get('user')} ({v.get('role', '').replace('_', ' ')})")
        expires, problem = v.get("grant_expires_at"), v.get("problem")
        if problem:
            self.grant.setText("READ-ONLY")
            self.grant.setStyleSheet(f"color: {theme.ERROR}; font-weight: bold;")
            self.grant.setToolTip(problem)
        elif expires:
            self.grant.setText(f"Grant until {_local(expires)}")
            self.grant.setStyleSheet("")
            self.grant.setToolTip("Edits offline are allowed until then; after it, read-only until reconnected")
        else:
            self.grant.setText("")
        self.grant.setVisible(bool(self.grant.text()))
        self.refreshed.emit(v)
