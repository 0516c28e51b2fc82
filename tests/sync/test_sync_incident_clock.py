"""Clock offsets (issue 13 s.1) through a real store: the store accepts the new kinds from an investigator, and
another workstation pulls them into the same placement, audited as made by their author."""

from __future__ import annotations

from reviewer.incident.service import IncidentClocks
from reviewer.sync.dump import canonical_state


def rid(ws, sha: str) -> str:
    return next(r.id for r in ws.lib.recordings() if r.sha256 == sha)


def test_offsets_pushed_by_one_workstation_are_pulled_by_another(world, stations):
    a, b = stations("alice", "carol")
    sha = world.sha["cfr_h264"]
    clocks = IncidentClocks(a.lib)
    clocks.set_offset(rid(a, sha), 1_250_000, drift_ppm=-12.0)
    clocks.nudge(rid(a, sha), -2)
    assert a.loop().sync_once().pushed == 2
    assert b.loop().sync_once().applied >= 2
    mine, theirs = canonical_state(a.lib)["clock_offset"], canonical_state(b.lib)["clock_offset"]
    assert theirs[sha] == mine[sha]
    assert (theirs[sha]["offset_us"], theirs[sha]["drift_ppm"], theirs[sha]["source"]) == (
        1_250_000 - 2 * 33_333, -12.0, "manual")
    event = b.lib.gov.audit.events(action="clock_offset.nudge")[-1]
    assert (event.details["author"], event.details["via"], event.details["frames"]) == (world.user("alice"), "sync", -2)
