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
