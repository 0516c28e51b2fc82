"""The bytes a store audit checkpoint signs (ADR 0013), shared by the store and the workstation without either's
dependencies (no FastAPI on the desktop)."""

from __future__ import annotations

import json

# Signed bytes = this line + canonical JSON. The prefix keeps a checkpoint signature from ever being mistaken for
# a signature over anything else (a JWT's signing input is base64url and cannot contain the space or newline).
CHECKPOINT_CONTEXT = b"bwv-store audit checkpoint v1\n"
CHECKPOINT_FIELDS = ("workstation", "seq", "head_hash", "at")
KEY_USE = "audit-checkpoint"


def checkpoint_message(cp: dict) -> bytes:
    body = {k: cp[k] for k in CHECKPOINT_FIELDS}
    return CHECKPOINT_CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
