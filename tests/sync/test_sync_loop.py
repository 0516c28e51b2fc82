"""The sync loop against a real store process: push and pull between workstations, idempotent and resumable,
refusals that do not wedge the outbox, a replay when new incidents become visible, parked operations applied when
their recording arrives, and the thread woken by local changes and by the store's events."""

from __future__ import annotations

from sqlalchemy import func, select

from reviewer.annotate.service import Annotations
from reviewer.library.models_ops import OpLogRow, OutboxRow
from reviewer.sync.dump import canonical_state


def rid(ws, sha: str) -> str:
    return next(r.id for r in ws.lib.recordings() if r.sha256 == sha)


def count(lib, model, *where) -> int:
    with lib.gov.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_push_then_pull_carries_bookmarks_between_workstations(world, stations):
    a, b = stations("alice", "carol")
    sha = world.sha["cfr_h264"]
    ann = Annotations(a.lib)
    first = ann.add_bookmark(rid(a, sha), 1024, "door opens")
    ann.edit_bookmark(first.id, title="door opens (kitchen)")
    second = ann.add_bookmark(rid(a, sha), 2048, "shout")
    ann.delete_bookmark(second.id)
    assert count(a.lib, OutboxRow) == 4

    c = a.loop().sync_once()
    assert (c.pushed, count(a.lib, OutboxRow)) == (4, 0)
    with a.lib.gov.sessions() as s:
        assert None not in s.scalars(select(OpLogRow.store_seq).where(OpLogRow.origin == "local")).all()

    got = b.loop().sync_once()
    assert got.applied >= 4
    marks = {m.id: m for m in Annotations(b.lib).bookmarks.list(rid(b, sha), include_deleted=True)}
    assert marks[first.id].title == "door opens (kitchen)" and marks[first.id].author == world.user("alice")
    assert marks[second.id].deleted
    ev = [e for e in b.lib.gov.audit.events(action="bookmark.create") if e.details.get("op")]
    assert {e.details["author"] for e in ev if e.object_id == first.id} == {world.user("alice")}
    assert canonical_state(a.lib)["bookmark"][first.id] == canonical_state(b.lib)["bookmark"][first.id]


class Killed(Exception):
    pass


def kill_at(point: str):
    def fault(where: str) -> None:
        if where == point:
            raise Killed(where)
    return fault


def store_ops(world, since: int = 0) -> list[dict]:
    """Every operation the store holds that bob (who sees all incidents) may pull."""
    out = []
    with world.http("bob") as http:
        while True:
            body = http.get("/api/v1/changes", params={"since": since, "limit": 1000}).raise_for_status().json()
            out += body["operations"]
            since = body["cursor"]
            if not body["more"]:
                return out


def test_a_lost_acknowledgement_is_resent_and_stored_once(world, stations):
    (a,) = stations("alice")
    ann = Annotations(a.lib)
    made = [ann.add_bookmark(rid(a, world.sha["cfr_h264"]), 512 * i, f"lost ack {i}").id for i in range(7)]
    loop = a.loop(push_batch=3, fault=kill_at("pushed"))
    try:
        loop.sync_once()
        raise AssertionError("the kill point was not reached")
    except Killed:
        pass
    assert count(a.lib, OutboxRow) == 7  # the store has the first batch; we never recorded its acknowledgement
    c = a.loop(push_batch=3).sync_once()
    assert c.pushed == 7 and count(a.lib, OutboxRow) == 0
    mine = [o for o in store_ops(world) if o["entity"]["id"] in made]
    assert len(mine) == 7 and len({o["op_id"] for o in mine}) == 7  # each once, none twice
    with a.lib.gov.sessions() as s:
        local = dict(s.execute(select(OpLogRow.op_id, OpLogRow.store_seq).where(OpLogRow.entity_id.in_(made))).all())
    assert local == {o["op_id"]: o["seq"] for o in mine}


def test_a_page_killed_midway_leaves_neither_its_operations_nor_its_cursor(world, stations):
    a, b = stations("alice", "carol")
    for i in range(6):
        Annotations(a.lib).add_bookmark(rid(a, world.sha["cfr_h264"]), 100 * i, f"page {i}")
    a.loop().sync_once()
    loop = b.loop(pull_page=1000, fault=kill_at("page"))
    before = (loop.cursor(), count(b.lib, OpLogRow))
    try:
        loop.sync_once()
        raise AssertionError("the kill point was not reached")
    except Killed:
        pass
    assert (loop.cursor(), count(b.lib, OpLogRow)) == before
    b.loop().sync_once()
    assert canonical_state(b.lib)["bookmark"] == canonical_state(a.lib)["bookmark"]


def test_an_operation_the_store_refuses_is_rejected_visibly_and_the_rest_are_pushed(world, stations):
    """A kind this workstation knows and the store does not (a newer client, or a role the store does not allow
    it for): the store answers 403 naming the op, for the whole batch. It must not wedge the outbox."""
    from reviewer.govern.roles import Action
    from reviewer.ops import kinds
    from reviewer.ops.apply import submit

    @kinds.kind("test.unknown_there", Action.BOOKMARK)
    def _apply(ctx):
        ctx.recording()
        ctx.record("bookmark", ctx.op.entity_id, "test.unknown_there")

    (a,) = stations("alice")
    try:
        ann = Annotations(a.lib)
        before = ann.add_bookmark(rid(a, world.sha["cfr_h264"]), 10, "before").id
        odd = submit(a.lib.gov, "test.unknown_there", world.sha["cfr_h264"], "bookmark", "x-1", {}).op.op_id
        after = ann.add_bookmark(rid(a, world.sha["cfr_h264"]), 20, "after").id
        loop = a.loop()
        c = loop.sync_once()
    finally:
        kinds._KINDS.pop("test.unknown_there")
    assert (c.pushed, c.rejected, count(a.lib, OutboxRow)) == (2, 1, 0)
    with a.lib.gov.sessions() as s:
        assert s.scalar(select(OpLogRow.status).where(OpLogRow.op_id == odd)) == "rejected"
    ev = a.lib.gov.audit.events(action="sync.rejected")[-1]
    assert (ev.outcome, ev.details["op"], ev.details["status"]) == ("refused", odd, 403)
    assert "test.unknown_there" in ev.details["why"]
    snap = loop.status.snapshot()
    assert snap.rejected == 1 and snap.last_error.startswith(f"the store refused test.unknown_there {odd[:8]}")
    assert {before, after} <= {o["entity"]["id"] for o in store_ops(world)}


def test_new_incident_visible_pulls_from_the_start_and_held_ops_follow(world, stations):
    """dave (investigator) is not assigned to incident b: his change to its recording waits (404) without
    blocking his others, and bob's older changes there reach him once he is assigned, though his cursor has
    long passed them."""
    bob, dave = stations("bob", "dave")
    sha_b = world.sha["cfr_noaudio"]
    theirs = Annotations(bob.lib).add_bookmark(rid(bob, sha_b), 300, "bob on b").id
    bob.loop().sync_once()
    held = Annotations(dave.lib).add_bookmark(rid(dave, sha_b), 400, "dave on b").id
    fine = Annotations(dave.lib).add_bookmark(rid(dave, world.sha["cfr_h264"]), 500, "dave on a").id
    loop = dave.loop()
    c = loop.sync_once()
    assert (c.pushed, c.held, count(dave.lib, OutboxRow)) == (1, 1, 1)
    assert loop.status.snapshot().held == 1 and "waits" in loop.status.snapshot().last_error
    assert fine in {o["entity"]["id"] for o in store_ops(world)}
    assert theirs not in canonical_state(dave.lib)["bookmark"]
    assert loop.cursor() > 0

    world.assign("dave", "b")
    c = loop.sync_once()
    assert c.replayed and (c.pushed, c.held, count(dave.lib, OutboxRow)) == (1, 0, 0)
    assert canonical_state(dave.lib)["bookmark"][theirs]["title"] == "bob on b"
    bob.loop().sync_once()
    assert canonical_state(bob.lib)["bookmark"][held]["title"] == "dave on b"


def test_operations_for_footage_not_here_wait_and_apply_when_it_arrives(world, stations, template, tmp_path,
                                                                         clip_paths):
    from tests.fixtures.testlib import make_test_library
    from tests.sync import world as sw

    (a,) = stations("alice")
    bid = Annotations(a.lib).add_bookmark(rid(a, world.sha["cfr_h264"]), 700, "before the footage").id
    a.loop().sync_once()

    home = make_test_library(tmp_path / "bare", world.user("carol"))
    lib = sw.open_as(home, world.user("carol"))
    try:
        with world.http("carol") as http:
            loop = sw.Workstation("bare", "carol", home, lib, None, http).loop()
            loop.sync_once()
            with lib.gov.sessions() as s:
                assert s.scalar(select(OpLogRow.status).where(OpLogRow.entity_id == bid)) == "parked"
            assert loop.status.snapshot().parked >= 1
            assert bid not in canonical_state(lib)["bookmark"]
            assert not lib.import_paths([clip_paths["cfr_h264"]]).errors
            loop.sync_once()
            assert canonical_state(lib)["bookmark"][bid]["title"] == "before the footage"
            assert loop.status.snapshot().parked == 0
    finally:
        lib.close()


def test_a_caller_the_store_refuses_altogether_keeps_its_outbox(world, stations):
    """A 403 that names no operation (a trainer may not sync operations at all) is the caller's, not an
    operation's: nothing is marked rejected, the changes wait, and the status says why."""
    from reviewer.sync.client import StoreAnswered

    (t,) = stations("tina")
    Annotations(t.lib).add_bookmark(rid(t, world.sha["cfr_h264"]), 5, "trainer's note")
    loop = t.loop()
    try:
        loop.sync_once()
        raise AssertionError("the store accepted a trainer's operations")
    except StoreAnswered as exc:
        assert exc.status == 403 and f"{world.user('tina')} (trainer) may not operations" in str(exc)
    assert count(t.lib, OutboxRow) == 1 and count(t.lib, OpLogRow, OpLogRow.status == "rejected") == 0
    assert t.lib.gov.audit.events(action="sync.rejected") == []
