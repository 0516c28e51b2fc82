"""Sidecars from an untrusted dock or operator: every bad one ends in a SidecarError naming the file, never a
traceback, a half-imported recording or a broken audit chain."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.errors import ReviewerError
from reviewer.library import Library
from reviewer.library.sidecar import FIELDS, Sidecar, SidecarError, read_sidecar
from tests.fixtures.testlib import make_test_library

UTC = dt.timezone.utc


def sidecar_error(tmp_path: Path, content: str | bytes) -> str:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"not read by the sidecar reader")
    side = tmp_path / "clip.mp4.json"
    side.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(SidecarError) as err:
        read_sidecar(media)
    message = str(err.value)
    assert message.startswith(f"{side}: sidecar "), message
    return message


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_start_time_that_overflows_utc_is_out_of_range(tmp_path, when):
    # Today: OverflowError from astimezone(), a traceback in the log and "unexpected error" for the user.
    message = sidecar_error(tmp_path, json.dumps({"start_time": when}))
    assert "out of range" in message and "1990 and 2099" in message


@pytest.mark.parametrize("when", ["1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2150-06-01T12:00:00Z"])
def test_start_time_outside_plausible_years_is_refused(tmp_path, when):
    assert "out of range" in sidecar_error(tmp_path, json.dumps({"start_time": when}))


def test_deep_nesting_is_a_clear_error(tmp_path):
    # Today: RecursionError out of json.loads.
    message = sidecar_error(tmp_path, "[" * 30_000 + "]" * 30_000)
    assert "nested too deeply" in message


def test_oversized_sidecar_is_refused_without_reading_it_all(tmp_path):
    message = sidecar_error(tmp_path, json.dumps({"officer_id": "x" * 70_000}))
    assert "larger than 64 KiB" in message


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u200b", "\x85", "\x9b",
                                  "\u2028", "\ud800", "\x1b"])
def test_text_fields_refuse_bidi_and_control_characters(tmp_path, char):
    message = sidecar_error(tmp_path, json.dumps({"officer_id": f"PC {char}4512"}))
    assert "officer_id contains" in message and f"U+{ord(char):04X}" in message


def test_unknown_field_names_are_shown_escaped(tmp_path):
    message = sidecar_error(tmp_path, json.dumps({"\x1b[31mofficer": "PC 1"}))
    assert "\x1b" not in message and "\\x1b[31mofficer" in message


def test_plain_unicode_text_is_still_accepted(tmp_path):
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"x")
    (tmp_path / "clip.json").write_text(json.dumps({"officer_id": "PC Ødegård 4512", "incident_ref": "事件-7",
                                                    "start_time": "2024-05-01T15:03:22.433+01:00"}))
    side = read_sidecar(media)
    assert (side.officer_id, side.incident_ref) == ("PC Ødegård 4512", "事件-7")
    assert side.start_time == dt.datetime(2024, 5, 1, 14, 3, 22, 433000, tzinfo=UTC)


def test_bad_incident_argument_is_a_reviewer_error(home, tmp_path):
    # Today: a ValueError escapes Library.import_paths (a traceback in the CLI).
    with Library(home) as lib, pytest.raises(ReviewerError, match="incident reference contains"):
        lib.import_paths([tmp_path / "none.mp4"], incident="INC\u202e-1")


# ---- property: the reader ------------------------------------------------------------------------------------
offsets = st.integers(-23 * 60 + 1, 23 * 60 - 1).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
dates = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=offsets)
    .map(lambda t: t.isoformat()),
    st.datetimes().map(lambda t: t.isoformat()),  # no zone
    st.text(max_size=30),
)
texts = st.text(max_size=120) | st.sampled_from(["PC 1", " ", "\u202eevil", "a\x00b", "\ud800", "x" * 101])
leaves = st.none() | st.booleans() | st.integers() | st.floats() | texts
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
keys = st.sampled_from(FIELDS) | st.text(max_size=12)
documents = st.one_of(
    st.dictionaries(keys, values, max_size=5).map(json.dumps),
    st.fixed_dictionaries({}, optional={k: (dates if k == "start_time" else texts) for k in FIELDS})
    .map(lambda d: json.dumps(d, ensure_ascii=False)),
    values.map(json.dumps),
    st.integers(1, 200_000).map(lambda n: "{\"officer_id\": " + "[" * n + "]" * n + "}"),
)
raw = documents.map(lambda s: s.encode("utf-8", "surrogatepass")) | st.binary(max_size=300)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=raw)
def test_reader_fuzz_only_sidecar_errors(tmp_path, blob):
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"x")
    (tmp_path / "clip.mp4.json").write_bytes(blob)
    try:
        side = read_sidecar(media)
    except SidecarError as exc:
        assert str(exc).startswith(str(tmp_path / "clip.mp4.json")) and "\n" not in str(exc)
        return
    assert isinstance(side, Sidecar)
    for name in ("officer_id", "device_id", "incident_ref"):
        value = getattr(side, name)
        assert value is None or 0 < len(value) <= 100
        assert not any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp")
                       for c in value or "")
    assert side.start_time is None or dt.datetime(1990, 1, 1, tzinfo=UTC) <= side.start_time


# ---- property: the import ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz_library(tmp_path_factory, make_clip):
    home = make_test_library(tmp_path_factory.mktemp("fuzz-home"))
    src = tmp_path_factory.mktemp("fuzz-src")
    lib = Library(home)
    yield lib, src, make_clip("cfr_noaudio").path
    lib.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=raw)
def test_import_fuzz_leaves_a_whole_library_and_a_sound_audit_chain(fuzz_library, blob):
    lib, src, clip = fuzz_library
    media = src / "clip.mp4"
    if not media.exists():
        media.symlink_to(clip)
    (src / "clip.mp4.json").write_bytes(blob)
    before = len(lib.recordings())
    report = lib.import_paths([media])  # never raises for a file's problem: it lands in report.errors
    for _path, message in report.errors:
        assert message.startswith(f"{src / 'clip.mp4.json'}: sidecar "), message
    assert len(lib.recordings()) == before + len(report.added) <= 1
    assert not list(lib.paths.originals.glob(".incoming-*"))  # no partial copy left in the store
    assert not [p for p in lib.paths.home.rglob("*") if ".part" in p.name]  # nor a half-written cache file
    verdict = lib.gov.audit.check()  # the chain check, without recording a verify event per example
    assert verdict.ok, verdict.problem
