"""The audit trail in a real library database: what is recorded, that it commits with the change, that SQLite
refuses to rewrite it, and that tampering done the way an attacker would (raw SQL, triggers dropped) is found."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import select

from reviewer.annotate.service import Annotations
from reviewer.errors import IntegrityError, ReviewerError
from reviewer.govern.audit_chain import Checkpoint, verify
from tests.core.test_govern_support import SUPERVISOR, gov_home, ids, lib, template  # noqa: F401


def raw(lib) -> sqlite3.Connection:
    """The database file opened directly, as someone with file access would."""
    return sqlite3.connect(lib.paths.database, isolation_level=None)


def drop_triggers(con: sqlite3.Connection) -> None:
    con.execute("DROP TRIGGER audit_events_no_update")
    con.execute("DROP TRIGGER audit_events_no_delete")


def some_events(lib, rid: str, n: int = 6) -> None:
    ann = Annotations(lib)
    for i in range(n):
        ann.add_bookmark(rid, i * 512, f"moment {i}")


def test_events_carry_every_field_and_the_chain_links(lib, ids):
    rid = ids["cfr_h264"]
    lib.open_recording(rid, reason="complaint investigation: CMP-12")
    b = Annotations(lib).add_bookmark(rid, 1024, "push", note="at the door", category="use of force")
    events = lib.gov.audit.events()
    kinds = [(e.action, e.object_id) for e in events]
    assert ("recording.import", rid) in kinds and ("library.init", events[0].object_id) == kinds[0]
    opened, created = events[-2], events[-1]
    assert opened.action == "recording.open" and opened.justification == "complaint investigation: CMP-12"
    assert (created.action, created.object_type, created.object_id, created.outcome) == (
        "bookmark.create", "bookmark", b.id, "ok")
    # the change is one operation (ADR 0015): its event names the op that sync pushes
    op_id = created.details.pop("op")
    assert created.details == {"recording_id": rid, "pts": 1024, "title": "push", "note": "at the door",
                               "category": "use of force"}
    with lib.sessions() as s:
        from reviewer.library.models_ops import OpLogRow, OutboxRow
        logged = s.scalar(select(OpLogRow).where(OpLogRow.op_id == op_id))
        assert (logged.kind, logged.entity_id, logged.origin) == ("bookmark.create", b.id, "local")
        assert s.get(OutboxRow, op_id) is not None
    assert (created.user, created.role, created.workstation) == (SUPERVISOR, "supervisor", lib.gov.workstation)
    assert created.at.tzinfo is not None and created.prev_hash == opened.hash
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert lib.gov.audit.check().ok


def test_a_failed_change_leaves_no_event(lib, ids):
    before = lib.gov.audit.count()
    with pytest.raises(ReviewerError, match="unknown bookmark category"):
        Annotations(lib).add_bookmark(ids["cfr_h264"], 0, "x", category="no such category")
    with pytest.raises(RuntimeError):
        with lib.gov.write() as s:
            lib.gov.record(s, "test", "1", "test.event")
            raise RuntimeError("disk on fire")  # the change fails after its event was appended: both roll back
    assert lib.gov.audit.count() == before
    assert Annotations(lib).bookmarks.list(ids["cfr_h264"]) == []


def test_integrity_failure_is_recorded(lib, ids):
    rid = ids["vfr_h264"]
    original = lib.get(rid).original_path
    original.chmod(0o644)
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0xFF
    original.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        lib.open_recording(rid, reason="training")
    failed = lib.gov.audit.events(outcome="failed")
    assert [e.action for e in failed] == ["recording.integrity_failed", "recording.open"]
    assert failed[0].details["expected"] == lib.get(rid).sha256


def test_triggers_refuse_update_and_delete(lib, ids):
    some_events(lib, ids["cfr_h264"], 2)
    con = raw(lib)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE audit_events SET user = 'someone else' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM audit_events WHERE seq = 2")
    con.close()
    from sqlalchemy import delete

    from reviewer.library.models_govern import AuditEvent
    with pytest.raises(Exception, match="append-only"):
        with lib.gov.write() as s:
            s.execute(delete(AuditEvent))
    assert lib.gov.audit.check().ok


def tampered(lib, ids, sql: list[str]):
    some_events(lib, ids["cfr_h264"])
    con = raw(lib)
    drop_triggers(con)
    for statement in sql:
        con.execute(statement)
    con.close()
    return lib.gov.verify_audit()


def test_edited_event_is_detected(lib, ids):
    v = tampered(lib, ids, ["UPDATE audit_events SET justification = 'nothing to see' WHERE seq = 4"])
    assert not v.ok and v.first_bad_seq == 4 and "edited" in v.problem


def test_edited_event_with_recomputed_hash_is_detected_at_the_next_link(lib, ids):
    some_events(lib, ids["cfr_h264"])
    from reviewer.govern.audit_chain import event_hash

    ev = next(e for e in lib.gov.audit.events() if e.seq == 4).to_json()
    ev["details"] = {**ev["details"], "title": "forged"}
    con = raw(lib)
    drop_triggers(con)
    con.execute("UPDATE audit_events SET details = ?, hash = ? WHERE seq = 4",
                (json.dumps(ev["details"], sort_keys=True, separators=(",", ":")), event_hash(ev)))
    con.close()
    v = lib.gov.verify_audit()
    assert not v.ok and v.first_bad_seq == 5


def test_deleted_event_is_detected(lib, ids):
    v = tampered(lib, ids, ["DELETE FROM audit_events WHERE seq = 5"])
    assert not v.ok and v.first_bad_seq == 6 and "deleted" in v.problem


def test_reordered_events_are_detected(lib, ids):
    v = tampered(lib, ids, ["UPDATE audit_events SET seq = -1 WHERE seq = 4",
                            "UPDATE audit_events SET seq = 4 WHERE seq = 5",
                            "UPDATE audit_events SET seq = 5 WHERE seq = -1"])
    assert not v.ok and v.first_bad_seq == 4


def test_cut_off_tail_is_detected_by_the_checkpoint(lib, ids):
    some_events(lib, ids["cfr_h264"])
    assert lib.gov.verify_audit().ok  # writes a checkpoint of the head
    head = lib.gov.audit.count()
    con = raw(lib)
    drop_triggers(con)
    con.execute("DELETE FROM audit_events WHERE seq > ?", (head - 3,))
    con.close()
    assert verify([e.to_json() for e in lib.gov.audit.events()]).ok, "the chain alone cannot see a cut tail"
    v = lib.gov.verify_audit()
    assert not v.ok and "cut off" in v.problem
    assert lib.gov.audit.events(action="audit.verify")[-1].outcome == "broken"


def test_checkpoints_are_written_every_n_events_and_chained(lib, ids):
    start = lib.gov.audit.count()
    lib.gov.checkpoint_every = 4
    some_events(lib, ids["cfr_h264"], 9)
    records, problem = lib.gov.checkpoints.read()
    before = [r for r in records if r.count <= start]  # from the libraries that initialised and imported
    assert problem is None and before[-1].count == start, "closing the library that imported wrote one"
    assert [r.count for r in records[len(before):]] == [n for n in range(start + 1, start + 10) if n % 4 == 0]
    assert records[-1].head_hash == next(e.hash for e in lib.gov.audit.events() if e.seq == records[-1].count)
    pushed = []
    lib.gov.checkpoint_sinks.append(pushed.append)  # the seam sync uses to send checkpoints to the store
    lib.gov.checkpoint()
    assert pushed and pushed[0].count == lib.gov.audit.count()

    path = lib.gov.checkpoints.path
    lines = path.read_text().splitlines()
    doctored = json.loads(lines[0])
    doctored["count"] = 1
    path.write_text("\n".join([json.dumps(doctored)] + lines[1:]) + "\n")
    v = lib.gov.verify_audit()
    assert not v.ok and "checkpoint" in v.problem and "line 1" in v.problem


def test_a_checkpoint_line_torn_by_a_crash_is_dropped(lib, ids):
    some_events(lib, ids["cfr_h264"], 2)
    lib.gov.checkpoint()
    with open(lib.gov.checkpoints.path, "ab") as fh:
        fh.write(b'{"count": 99, "head_ha')  # the process died mid-append
    assert lib.gov.verify_audit().ok
    some_events(lib, ids["cfr_h264"], 1)
    lib.gov.checkpoint()
    records, problem = lib.gov.checkpoints.read()
    assert problem is None and records[-1].count == lib.gov.audit.count()
    assert [json.loads(line)["count"] for line in lib.gov.checkpoints.path.read_text().splitlines()] == [
        r.count for r in records], "the fragment was removed before the next append"


def test_export_json_verifies_on_its_own_and_csv_has_every_event(lib, ids):
    some_events(lib, ids["cfr_h264"], 3)
    text, n = lib.gov.audit.export_text("json")
    exported = json.loads(text)
    assert len(exported) == n == lib.gov.audit.count()
    assert verify(exported, [Checkpoint(n, exported[-1]["hash"], "now")]).ok
    csv_text, m = lib.gov.audit.export_text("csv")
    assert m == n and len(csv_text.strip().splitlines()) == n + 1
    middle = lib.gov.audit.events()[2].at
    since, _ = lib.gov.audit.export_text("json", since=middle)
    assert [e["seq"] for e in json.loads(since)][0] == 3


def test_filters_and_verification_runs_are_audited(lib, ids):
    some_events(lib, ids["cfr_h264"], 2)
    assert lib.gov.verify_audit().ok
    assert [e.action for e in lib.gov.audit.events(action="bookmark.")] == ["bookmark.create"] * 2
    run = lib.gov.audit.events(action="audit.verify")[-1]
    assert run.outcome == "ok" and run.details["checked"] == run.seq - 1
    assert lib.gov.audit.events(user="nobody") == []
    assert len(lib.gov.audit.events(limit=2, newest_first=True)) == 2
