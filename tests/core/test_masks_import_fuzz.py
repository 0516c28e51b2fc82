"""Property test of `reviewer masks import` (issue 8): whatever the file holds, the command ends with exit 0 and
every record written, or exit 1, one line naming the file, and nothing written; never a traceback, never a partial
import, never a broken audit chain. Inputs are mutations of a valid file, so most reach the deep checks."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reviewer import cli
from reviewer.library.models_redact import MaskTrackRow, RedactionRangeRow
from reviewer.redact.store import MaskStore
from tests.core.test_govern_support import gov_home, ids, lib, template  # noqa: F401

WEIRD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["NaN", "1e400", 2 ** 63, -1, 0, 1e308, [], {}, [[0, 0]], "rect", "mute", "pixelate"]),
    st.lists(st.integers(-5, 5), max_size=3),
)
KEYS = ["tracks", "blackouts", "audio", "kind", "effect", "strength", "color", "padding", "inverse", "keyframes",
        "pts", "points", "hidden", "start_pts", "end_pts", "mode", "id", "label", "reason"]


def base(p0: int, p1: int) -> dict:
    return {"tracks": [
        {"kind": "rect", "effect": {"kind": "pixelate", "strength": 12}, "padding": 0.1, "label": "a",
         "keyframes": [{"pts": p0, "points": [[10, 10], [90, 90]]}, {"pts": p1, "points": [[20, 20], [100, 100]]}]},
        {"kind": "polygon", "effect": {"kind": "blur", "strength": 20},
         "keyframes": [{"pts": p0, "points": [[0, 0], [50, 0], [25, 40]]}]}],
        "blackouts": [{"start_pts": p0, "end_pts": p0, "mode": "black"}],
        "audio": [{"start_pts": p0, "end_pts": p1, "mode": "bleep"}]}


def mutate(doc, path: list, value):
    """Replace the value at `path` (indices into dicts by key order and lists by position) with `value`."""
    if not path or not isinstance(doc, (dict, list)) or not doc:
        return value
    i = path[0] % len(doc)
    if isinstance(doc, dict):
        key = list(doc)[i]
        return {**doc, key: mutate(doc[key], path[1:], value)}
    return [mutate(v, path[1:], value) if n == i else v for n, v in enumerate(doc)]


def insert(doc, path: list, key: str, value):
    """Set `key` on the object found by following `path` (as in mutate), if that is an object."""
    if path and isinstance(doc, (dict, list)) and doc:
        i = path[0] % len(doc)
        if isinstance(doc, dict):
            k = list(doc)[i]
            return {**doc, k: insert(doc[k], path[1:], key, value)}
        return [insert(v, path[1:], key, value) if n == i else v for n, v in enumerate(doc)]
    return {**doc, key: value} if isinstance(doc, dict) else doc


MUTATION = st.tuples(st.lists(st.integers(0, 7), min_size=0, max_size=6), WEIRD)
EXTRA = st.tuples(st.lists(st.integers(0, 7), max_size=4), st.sampled_from(KEYS), WEIRD)


def rows(lib) -> int:
    from sqlalchemy import func, select

    with lib.sessions() as s:
        return sum(s.scalar(select(func.count()).select_from(t)) for t in (MaskTrackRow, RedactionRangeRow))


@pytest.mark.timeout(600)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(MUTATION, max_size=3), extras=st.lists(EXTRA, max_size=2), raw=st.booleans())
def test_masks_import_never_tracebacks_or_half_imports(lib, ids, tmp_path, capsys, mutations, extras, raw):
    rid = ids["cfr_noaudio"]
    b = MaskStore(lib).bounds(rid)
    doc = base(b.first_pts, b.last_pts)
    for path, value in mutations:
        doc = mutate(doc, path, value)
    for path, key, value in extras:  # an extra or replaced key somewhere inside
        doc = insert(doc, path, key, value)
    text = json.dumps(doc, allow_nan=True)
    if raw:  # also bytes JSON would never produce
        text = text.replace('"NaN"', "NaN").replace('"1e400"', "1e400")
    f = tmp_path / "fuzz.json"
    f.write_text(text)
    before_rows, before_events = rows(lib), lib.gov.audit.count()
    code = cli.main(["masks", "import", rid, str(f)])
    out, err = capsys.readouterr()
    event(f"exit {code}")
    assert "Traceback" not in err and "Traceback" not in out
    written = rows(lib) - before_rows
    if code == 0:
        n = int(out.split()[1])
        assert written <= n  # new rows; an id already in the library is updated in place
        ev = lib.gov.audit.events(action="masks.import")[-1]
        assert ev.details["records"] == n and ev.details["source"] == str(f)
    else:
        assert code == 1 and len(err.strip().splitlines()) == 1 and str(f) in err, err
        assert written == 0 and lib.gov.audit.count() == before_events, "a refused import writes nothing"
    assert lib.gov.audit.check().ok
    # the library is left usable: what was stored renders as a mask set again
    MaskStore(lib).load(rid)
