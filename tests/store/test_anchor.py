"""Workstation audit chains at the store (ADR 0013): continuity, gap and rewrite refusals, idempotent resends,
checkpoints signed with the store's audit key, and a local rewrite below the checkpoint detected on the
workstation; against the real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from sqlalchemy import delete, select, text

from reviewer.govern.audit_chain import link
from reviewer.store.anchor_client import AnchorError, check_chain, check_library, push_chain, verify_checkpoint
from tests.store.chains import chain
from tests.store.world import build


@pytest.fixture(scope="module")
def world(store):
    return build(store)


def push(world, who, ws, events):
    return world.call(who, "POST", f"/api/v1/workstations/{ws}/audit", json={"events": events})


def test_continuity_gaps_rewrites_and_resends(world):
    ws = "ws-" + os.urandom(4).hex()
    events = chain(ws, 6)
    first = push(world, "investigator", ws, events[:3])
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["added"], body["already_held"]) == (3, 0)
    cp = body["checkpoint"]
    assert (cp["workstation"], cp["seq"], cp["head_hash"]) == (ws, 3, events[2]["hash"])

    again = push(world, "investigator", ws, events[:3])  # a resent batch changes nothing, not even the checkpoint
    assert again.status_code == 200 and (again.json()["added"], again.json()["already_held"]) == (0, 3)
    assert again.json()["checkpoint"] == cp

    gap = push(world, "investigator", ws, events[4:])
    assert gap.status_code == 409
    assert gap.json()["detail"] == f"workstation {ws}: gap: expected seq 4, received 5"

    rewritten = chain(ws, 3, note="rewritten")
    r = push(world, "investigator", ws, rewritten[2:3])
    assert r.status_code == 409
    assert r.json()["detail"] == f"workstation {ws}: event 3 is already held with a different hash: " \
                                 "the chain cannot be rewritten"

    fork = chain(ws, 1, note="fork", start=4, prev=rewritten[2]["hash"])  # links to the rewritten event 3
    r = push(world, "investigator", ws, fork)
    assert r.status_code == 409 and "event 4 does not follow event 3" in r.json()["detail"]

    forged = dict(events[3], details={"n": 4, "note": "edited after hashing"})
    r = push(world, "investigator", ws, [forged])
    assert r.status_code == 422 and r.json()["detail"] == f"workstation {ws}: event 4: its content does not " \
                                                          "match its hash"

    stripped = {k: v for k, v in events[3].items() if k != "os_account"}  # hiding who sat at the keyboard
    r = push(world, "investigator", ws, [stripped])
    assert r.status_code == 422 and "event 4: its content does not match its hash" in r.text

    huge = chain(ws, 1, start=4, prev=events[2]["hash"], note="x" * 70_000)
    r = push(world, "investigator", ws, huge)
    assert r.status_code == 422 and "details larger than 65536 bytes" in r.text

    overlap = push(world, "professional_standards", ws, events[2:])  # another user, same workstation
    assert overlap.status_code == 200 and (overlap.json()["added"], overlap.json()["already_held"]) == (3, 1)
    latest = world.call("trainer", "GET", f"/api/v1/workstations/{ws}/audit/checkpoint")
    assert latest.status_code == 200 and latest.json() == overlap.json()["checkpoint"]
    assert (latest.json()["seq"], latest.json()["head_hash"]) == (6, events[5]["hash"])

    unknown = world.call("investigator", "GET", f"/api/v1/workstations/ws-{os.urandom(4).hex()}/audit/checkpoint")
    assert unknown.status_code == 404
    assert push(world, "dock", ws, events).status_code == 403


def test_checkpoints_verify_against_the_published_audit_key_only(world):
    ws = "ws-" + os.urandom(4).hex()
    events = chain(ws, 4)
    cp = push(world, "investigator", ws, events).json()["checkpoint"]
    keys = world.call(None, "GET", "/api/v1/keys").json()
    assert verify_checkpoint(cp, keys, ws).count == 4
    assert check_chain(events, cp, keys, ws).ok
    with pytest.raises(AnchorError, match=r"at seq 5: the signature does not match \(forged or altered\)"):
        verify_checkpoint({**cp, "seq": 5}, keys)
    with pytest.raises(AnchorError, match="is for workstation"):
        verify_checkpoint(cp, keys, "another-ws")
    token_kid = next(k["kid"] for k in keys["keys"] if k["use"] == "sig")
    with pytest.raises(AnchorError, match="not one of the store's audit keys"):
        verify_checkpoint({**cp, "kid": token_kid}, keys)  # the token key never vouches for a chain
    # a chain cut below the checkpoint, or differing at it, fails against it
    assert check_chain(events[:3], cp, keys).line().startswith("BROKEN at event 4: checkpoint of the store")
    other = chain(ws, 4, note="other history")
    assert check_chain(other, cp, keys).line() == \
        f"BROKEN at event 4: event 4 differs from the checkpoint of the store ({cp['at']})"


def _rewrite_library_event(lib, seq: int, details: dict) -> None:
    """What an adversary with the workstation's database does: edit an event and re-link everything after it, so
    the chain on its own verifies again; then remove the local checkpoints that would betray it."""
    from reviewer.library.models_govern import AuditEvent

    with lib.sessions.begin() as s:
        s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))  # as someone with the database file
        s.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        rows = s.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq)).all()
        prev = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq - 1))
        for row in rows:
            ev = {k: getattr(row, k) for k in ("event_id", "at", "user", "role", "workstation", "os_account",
                                               "object_type", "object_id", "action", "outcome", "justification")}
            ev["details"] = details if row.seq == seq else json.loads(row.details)
            linked = link(ev, prev, row.seq)
            row.details = json.dumps(ev["details"], sort_keys=True, separators=(",", ":"))
            row.prev_hash, row.hash, prev = linked["prev_hash"], linked["hash"], linked["hash"]
    lib.gov.checkpoints.path.unlink(missing_ok=True)


def test_a_local_rewrite_below_the_store_checkpoint_is_detected(world, home):
    from reviewer.library import Library

    lib = Library(home)
    try:
        for i in range(5):
            lib.gov.record_now("recording", f"r{i}", "recording.open", details={"reason": f"review {i}"})
        ws = lib.gov.workstation
        events = [e.to_json() for e in lib.gov.audit.events()]
        client = httpx.Client(base_url=world.store.url, headers=world.h("investigator"), timeout=30)
        cp = push_chain(client, ws, events, batch=2)  # several batches, each continuing the last
        assert (cp["seq"], cp["head_hash"]) == (len(events), events[-1]["hash"])
        keys = world.call(None, "GET", "/api/v1/keys").json()
        assert check_library(lib.gov.audit, cp, keys, ws).ok

        lib.gov.record_now("recording", "r9", "recording.open")  # work after the checkpoint is fine
        assert check_library(lib.gov.audit, cp, keys, ws).ok

        _rewrite_library_event(lib, 3, {"reason": "nothing to see"})
        assert lib.gov.audit.check().ok  # locally the rewrite is invisible...
        verdict = check_library(lib.gov.audit, cp, keys, ws)  # ...but not against the store
        assert not verdict.ok and verdict.first_bad_seq == cp["seq"]
        assert verdict.problem == f"event {cp['seq']} differs from the checkpoint of the store ({cp['at']})"
        rewritten = [e.to_json() for e in lib.gov.audit.events()]
        n = cp["seq"]  # continuing the rewritten chain is refused, and so is resending the rewritten event
        with pytest.raises(AnchorError, match=rf"409 workstation {ws}: event {n + 1} does not follow event {n} "):
            push_chain(client, ws, rewritten, batch=2)
        r = world.call("investigator", "POST", f"/api/v1/workstations/{ws}/audit", json={"events": rewritten[2:3]})
        assert r.status_code == 409 and "event 3 is already held with a different hash" in r.json()["detail"]
        held = world.call("investigator", "GET", f"/api/v1/workstations/{ws}/audit/checkpoint").json()
        assert held == cp  # the store kept what it had

        from reviewer.library.models_govern import AuditEvent

        with lib.sessions.begin() as s:  # cutting the tail below the checkpoint is caught too
            s.execute(delete(AuditEvent).where(AuditEvent.seq > 2))
        assert "only 2 remain" in check_library(lib.gov.audit, cp, keys, ws).problem
        client.close()
    finally:
        lib.close()


def test_concurrent_pushes_of_one_chain_agree_and_are_audited(world):
    """Two copies of a workstation's pusher racing (a retry overlapping the original): every push succeeds, the
    store holds the chain once, and its own audit trail records each push and still verifies."""
    from concurrent.futures import ThreadPoolExecutor

    from reviewer.store import audit
    from reviewer.store.config import load_config
    from reviewer.store.db import open_store_database
    from reviewer.store.models import AuditEvent

    ws = "ws-" + os.urandom(4).hex()
    events = chain(ws, 40)
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda i: push(world, "investigator", ws, events[: 10 + 5 * i]).status_code, range(6)))
    assert codes == [200] * 6
    cp = world.call("investigator", "GET", f"/api/v1/workstations/{ws}/audit/checkpoint").json()
    assert (cp["seq"], cp["head_hash"]) == (35, events[34]["hash"])
    assert push(world, "investigator", ws, events[36:]).json()["detail"] == \
        f"workstation {ws}: gap: expected seq 36, received 37"
    engine, sessions = open_store_database(load_config(world.store.config).db_url)
    try:
        with sessions() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.object_id == ws).order_by(AuditEvent.seq)).all()
            assert audit.verify(s) > 0
    finally:
        engine.dispose()
    ok = [json.loads(e.details) for e in rows if e.outcome == "ok"]
    assert sum(d["to"] - d["from"] + 1 for d in ok) == 35  # each event added once, by whichever push won
    assert [(e.action, e.outcome) for e in rows][-1] == ("workstation_audit_push", "refused")
    assert json.loads(rows[-1].details)["expected"] == 36


def test_the_workstation_side_needs_no_server_packages():
    """The desktop checks checkpoints without the `store` extra: importing the client pulls in none of it."""
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys, reviewer.store.anchor_client; "
              "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & "
              "{'fastapi', 'starlette', 'uvicorn', 'jwt', 'sqlalchemy', 'boto3', 'psycopg'})))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == ""
