"""Undo steps the core refuses leave the history as it was; justification text for the viewing prompt."""

from __future__ import annotations

import pytest

from reviewer.annotate.undo import Command, UndoStack
from reviewer.errors import ReviewerError
from reviewer.govern.justification import PURPOSES, command_purpose, compose


def test_a_refused_undo_keeps_its_entry_and_rolls_back_partial_steps():
    state = {"a": 0, "b": 0}
    refuse = {"on": True}

    def set_b_undo():
        if refuse["on"]:
            raise PermissionError("refused")
        state["b"] = 0

    stack = UndoStack()
    stack.push(Command("both", lambda: state.update(a=1), lambda: state.update(a=0), "g"))
    stack.push(Command("both", lambda: state.update(b=1), set_b_undo, "g"))
    with pytest.raises(PermissionError):
        stack.undo()
    assert state == {"a": 1, "b": 1} and stack.undo_name == "both" and stack.redo_name is None
    refuse["on"] = False
    assert stack.undo() == "both" and state == {"a": 0, "b": 0}


def test_a_refused_redo_stays_redoable():
    stack = UndoStack()
    allowed = {"on": False}

    def do():
        if not allowed["on"]:
            raise PermissionError("refused")

    stack.push(Command("x", lambda: None, lambda: None))
    stack.undo()
    stack._undone[-1].steps[0].do = do  # the same command, now refused on redo (e.g. role changed meanwhile)
    with pytest.raises(PermissionError):
        stack.redo()
    assert stack.redo_name == "x"
    allowed["on"] = True
    assert stack.redo() == "x"


def test_justification_picklist_and_text():
    assert PURPOSES == ("complaint investigation", "professional standards case", "disclosure request", "training",
                        "other")
    assert compose("Complaint investigation", " CMP-12   follow up ") == "complaint investigation: CMP-12 follow up"
    assert compose("training") == "training"
    with pytest.raises(ReviewerError, match="'other' needs"):
        compose("other")
    with pytest.raises(ReviewerError, match="unknown purpose"):
        compose("curiosity")
    assert command_purpose(["frame", "abc", "3"]) == "command: reviewer frame abc 3"


def test_viewing_sessions_are_audited_with_the_session_reason(tmp_path, monkeypatch, make_clip):
    from reviewer.library import Library

    from tests.fixtures.testlib import make_test_library

    monkeypatch.setenv("REVIEWER_USER", "viewer")
    make_test_library(tmp_path / "home", "viewer")
    (tmp_path / "src").mkdir()
    link = tmp_path / "src" / "a.mp4"
    link.symlink_to(make_clip("cfr_noaudio").path)
    with Library(tmp_path / "home") as lib:
        rid = lib.import_paths([link]).added[0].id
        lib.open_recording(rid, reason=compose("disclosure request", "DR-5"))
        assert lib.gov.justification_for(rid) == "disclosure request: DR-5"
        token = lib.gov.viewing_started(rid)
        lib.gov.viewing_ended(token)
        lib.gov.viewing_ended(token)  # ending twice records once
        events = lib.gov.audit.events(object_id=rid)
        assert [(e.action, e.justification) for e in events][-3:] == [
            ("recording.open", "disclosure request: DR-5"), ("recording.view_start", "disclosure request: DR-5"),
            ("recording.view_end", None)]
        assert events[-1].details["seconds"] >= 0
