"""The Masks dock's approval box in the real window: the state and approver shown, Approve enabled only for a
second user, the approval recorded by the core (audited), and voided on screen by the next edit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from reviewer.govern.identity import USER_ENV
from reviewer.govern.users import Users
from reviewer.library import Library
from reviewer.redact import approval
from reviewer.redact.model import Effect, EffectKind, Keyframe, MaskTrack, ShapeKind
from reviewer.redact.store import MaskStore
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_redaction_editor import WAIT, open_clip

pytestmark = pytest.mark.gui


def test_second_user_approves_in_the_dock_and_an_edit_voids_it(qtbot, window, make_clip, tmp_path, monkeypatch):
    view = open_clip(qtbot, window, make_clip("cfr_noaudio").path, tmp_path)
    f = window.f.masks
    box = f.panel.approval
    me = window.library.gov.username
    qtbot.waitUntil(lambda: box.state.text() == "No masks to approve.", timeout=WAIT)
    assert not box.approve_button.isEnabled()

    # another officer draws the mask
    Users(window.library.gov).set_role("pc_author", "investigator")
    monkeypatch.setenv(USER_ENV, "pc_author")
    author = Library(window.library.paths.home)
    monkeypatch.delenv(USER_ENV)
    try:
        pts = int(window.controller.table.pts[0])
        track = MaskTrack(ShapeKind.RECT, (Keyframe(pts, ((20.0, 20.0), (120.0, 120.0))),),
                          Effect(EffectKind.PIXELATE, 12), reason="third-party face", label="face")
        MaskStore(author).save_track(view.id, track)
    finally:
        author.close()
    f.session.editor.reload()
    qtbot.waitUntil(lambda: box.state.text().startswith("Not approved.") and box.approve_button.isEnabled(),
                    timeout=WAIT)

    qtbot.mouseClick(box.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.state.text().startswith(f"Approved by {me} (supervisor)"), timeout=WAIT)
    assert not box.approve_button.isEnabled()
    st = approval.status(window.library, view.id)
    assert st.approved and st.latest.approved_by == me
    assert st.current_sha256[:12] in box.state.text()
    ev = [e for e in window.library.gov.audit.events() if e.action == "masks.approve"][-1]
    assert ev.outcome == "ok" and ev.user == me and ev.details["editors"] == ["pc_author"]

    # the approver now edits the masks through the dock's session: the approval is void, and theirs to give no more
    f.session.store.save_track(view.id, f.session.mask_set.tracks[0].edited(label="face 2"))
    f.session.editor.reload()
    qtbot.waitUntil(lambda: box.state.text().startswith(f"Not approved: the masks changed after {me}"),
                    timeout=WAIT)
    assert not box.approve_button.isEnabled() and "worked on these masks" in box.approve_button.toolTip()
