"""Audit chains for the anchoring tests, linked with the core's own functions (as a workstation links them)."""

from __future__ import annotations

import uuid

from reviewer.govern.audit_chain import GENESIS, link


def event(n: int, workstation: str, note: str = "") -> dict:
    return {"event_id": str(uuid.UUID(int=n)), "at": f"2026-11-28T10:00:{n % 60:02d}.000000Z", "user": "alice",
            "role": "investigator", "workstation": workstation, "os_account": "alice", "object_type": "recording", "object_id": f"r{n}",
            "action": "recording.open", "outcome": "ok", "details": {"n": n, "note": note}, "justification": None}


def chain(workstation: str, n: int, note: str = "", start: int = 1, prev: str = GENESIS) -> list[dict]:
    out = []
    for seq in range(start, start + n):
        ev = link(event(seq, workstation, note), prev, seq)
        out.append(ev)
        prev = ev["hash"]
    return out
