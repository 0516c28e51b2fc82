"""The operation envelope, exactly as the store's operations log holds it (ADR 0013, reviewer/store/operations.py):
the same field names and the same canonical JSON, so an operation hashes the same on every copy."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from reviewer.errors import ReviewerError
from reviewer.ops.hlc import Stamp


class BadOperation(ReviewerError):
    """An envelope that is not a well-formed operation (from the store or a file)."""


@dataclass(frozen=True)
class Operation:
    op_id: str
    kind: str
    stamp: Stamp  # hlc {wall_ms, counter} + workstation
    actor: str
    scope_type: str  # "recording" (id: the SHA-256) | "incident"
    scope_id: str
    entity_type: str
    entity_id: str
    revision_seen: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def workstation(self) -> str:
        return self.stamp.workstation

    def to_json(self) -> dict:
        return {"op_id": self.op_id, "kind": self.kind, "hlc": self.stamp.to_json(), "actor": self.actor,
                "workstation": self.workstation, "scope": {"type": self.scope_type, "id": self.scope_id},
                "entity": {"type": self.entity_type, "id": self.entity_id}, "revision_seen": self.revision_seen,
                "payload": self.payload}

    def canonical(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def with_payload(self, **changes) -> "Operation":
        return replace(self, payload={**self.payload, **changes})

    @classmethod
    def from_json(cls, d: dict) -> "Operation":
        try:
            hlc, scope, entity = d["hlc"], d["scope"], d["entity"]
            op = cls(op_id=str(uuid.UUID(str(d["op_id"]))), kind=str(d["kind"]),
                     stamp=Stamp(int(hlc["wall_ms"]), int(hlc["counter"]), str(d["workstation"])),
                     actor=str(d["actor"]), scope_type=str(scope["type"]), scope_id=str(scope["id"]),
                     entity_type=str(entity["type"]), entity_id=str(entity["id"]),
                     revision_seen=str(uuid.UUID(str(d["revision_seen"]))) if d.get("revision_seen") else None,
                     payload=dict(d.get("payload") or {}))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadOperation(f"not a valid operation envelope ({type(exc).__name__}: {exc})") from None
        if not op.workstation or not op.kind or op.scope_type not in ("recording", "incident"):
            raise BadOperation(f"operation {op.op_id}: kind, workstation and a recording or incident scope "
                               "are required")
        return op
