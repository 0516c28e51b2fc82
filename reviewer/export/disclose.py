"""The disclosure log has no gaps: the one way a file that reveals footage gets its final name.

The files are written and fsynced under temp names first. Then the disclosure is recorded through the gate
(event outcome "started", with the output's hash), and only then are the files renamed, the one whose presence
means "finished" last. The outcome ("ok" or "failed") follows. So whatever moment the process dies at, either no
finished-looking file exists, or it does and its disclosure is already in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.govern.roles import Action
from reviewer.outputs import discard, publish_all


def disclose(gov, action: Action, recording_id: str, event: str, details: dict,
             staged: list[tuple[Path, Path]], overwrite: bool, justification: str | None = None,
             object_type: str = "recording") -> int:
    """Record `event` as "started" (the gate checks `action` again in the same transaction), publish each
    (temp, final) pair in order, then record the outcome. Returns the "started" event's sequence number.
    `object_type` "incident" (with the reference as `recording_id`): a composite of several recordings."""
    try:
        with gov.gate(action, object_type, recording_id, event, details=details,
                      justification=justification) as g:
            g.outcome = "started"
    except BaseException:
        discard(*(tmp for tmp, _final in staged))
        raise
    try:
        publish_all(staged, overwrite)
    except BaseException as exc:
        gov.record_now(object_type, recording_id, event, outcome="failed", justification=justification,
                       details={**details, "started_seq": g.seq, "error": str(exc)})
        raise
    gov.record_now(object_type, recording_id, event, justification=justification,
                   details={**details, "started_seq": g.seq})  # the whole record again: each event reads alone
    return g.seq

