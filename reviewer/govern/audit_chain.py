"""The audit hash chain as pure functions: canonical encoding, linking, and verification.

Each event holds the SHA-256 of the previous event's canonical encoding, so editing, deleting or reordering any
event breaks a link. A chain cannot see its own tail cut off, so checkpoints (count + head hash), kept apart from
the chain, are compared as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

GENESIS = "0" * 64

# The fields that are hashed, in this exact set. Adding a field means a new chain format version.
HASHED_FIELDS = (
    "seq", "event_id", "at", "user", "role", "workstation", "object_type", "object_id", "action", "outcome",
    "details", "justification", "prev_hash",
)
# Format 2 (migration 0005) adds the real OS account. An event without one is a format-1 event and hashes
# exactly as it did when written; removing the field from a format-2 event changes its bytes, so it cannot be
# downgraded to hide who was at the keyboard.
OS_ACCOUNT = "os_account"
EXPORT_HASHED_FIELDS = (*HASHED_FIELDS, OS_ACCOUNT)


def canonical(event: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same event always encodes to the same bytes."""
    body = {k: event.get(k) for k in HASHED_FIELDS}
    if event.get(OS_ACCOUNT) is not None:
        body[OS_ACCOUNT] = event[OS_ACCOUNT]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def event_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    count: int  # number of events the chain held
    head_hash: str  # hash of event number `count`
    at: str


@dataclass
class Verdict:
    ok: bool
    checked: int
    problem: str = ""
    first_bad_seq: int | None = None
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.ok:
            return f"OK: {self.checked} audit events verified, chain intact"
        where = f" at event {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"BROKEN{where}: {self.problem}"


def verify(events: Sequence[dict[str, Any]], checkpoints: Iterable[Checkpoint] = ()) -> Verdict:
    """Walk the chain in stored order. Events must carry seq 1..n, each linking to its predecessor's hash."""
    prev = GENESIS
    for pos, ev in enumerate(events, start=1):
        seq = ev.get("seq")
        if seq != pos:
            kind = "missing event(s) before it (deleted)" if isinstance(seq, int) and seq > pos else "out of order"
            return Verdict(False, pos - 1, f"event with seq {seq} found at position {pos}: {kind}", seq)
        if ev.get("prev_hash") != prev:
            return Verdict(False, pos - 1, "link to the previous event is broken (deleted or reordered event)", seq)
        actual = event_hash(ev)
        if ev.get("hash") != actual:
            return Verdict(False, pos - 1, "event content does not match its hash (edited)", seq)
        prev = actual
    count = len(events)
    by_seq = {ev["seq"]: ev["hash"] for ev in events}
    for cp in sorted(checkpoints, key=lambda c: c.count):
        if cp.count > count:
            return Verdict(False, count, f"checkpoint of {cp.at} recorded {cp.count} events but only {count} remain "
                           "(the end of the trail was cut off)", count + 1)
        if cp.count and by_seq.get(cp.count) != cp.head_hash:
            return Verdict(False, count, f"event {cp.count} differs from the checkpoint of {cp.at}", cp.count)
    return Verdict(True, count)


def link(event: dict[str, Any], prev_hash: str, seq: int) -> dict[str, Any]:
    """Return the event with seq, prev_hash and hash filled in."""
    out = dict(event, seq=seq, prev_hash=prev_hash)
    out["hash"] = event_hash(out)
    return out
