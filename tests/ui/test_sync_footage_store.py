"""A recording that arrives over sync, against a real store process: after signing in through the dialog the
library lists the store's recording (metadata only); opening it queues its download in the downloads dock, which
shows it done, and the window then shows its exact frames."""

from __future__ import annotations

import pytest

from tests.store import footage_world, services
from tests.ui.annotate_helpers import WAIT, canvas_code, seek
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def test_opening_a_store_only_recording_downloads_it_in_the_dock_then_shows_its_frames(qtbot, window, make_clip,
                                                                                      tmp_path):
    clip = make_clip("cfr_h264")
    with footage_world.start(tmp_path / "srv") as w:
        sha = w.add_recording(clip.path.read_bytes(), "UI-1", "store-only.mp4")
        code = services.add_user(w.config, "ui-ps", "professional_standards")
        f = window.f.sync
        d = f.sign_in()
        d.url.setText(w.server.url)
        d.code.setText(code)
        with qtbot.waitSignal(d.signedIn, timeout=WAIT):
            d.sign_in()
        lib = window.library

        def listed():
            return next((v for v in lib.recordings() if v.sha256 == sha), None)

        qtbot.waitUntil(lambda: listed() is not None and f.downloads.manager is not None, timeout=WAIT)
        view = listed()
        assert not view.is_local  # the catalog lists it; the footage is still in the store
        window.open_recording(view.id, reason="test: a recording that arrived over sync")
        assert f.downloads_dock.isVisible()
        qtbot.waitUntil(lambda: f.downloads.views.get(view.id, {}).get("state") == "done", timeout=WAIT)
        assert f.downloads.row_text(view.id)[2] == "Done"
        qtbot.waitUntil(lambda: window.controller.source is not None and not window.controller.busy, timeout=WAIT)
        assert window.controller.source.view.sha256 == sha
        seek(qtbot, window, 12)
        assert canvas_code(window, clip.width) == clip.first_code + 12
        window.close()  # the download manager and its client go before the store does


def test_a_store_only_recording_opened_while_still_connecting_opens_once_connected(qtbot, make_window, make_clip,
                                                                                   tmp_path):
    """At start-up the store's client is made off the UI thread: a recording opened before that (from the
    library list, or a file handed over) is fetched once connected, not refused."""
    clip = make_clip("cfr_h264")
    with footage_world.start(tmp_path / "srv") as w:
        sha = w.add_recording(clip.path.read_bytes(), "UI-2", "early.mp4")
        code = services.add_user(w.config, "ui-ps2", "professional_standards")
        first = make_window()
        d = first.f.sync.sign_in()
        d.url.setText(w.server.url)
        d.code.setText(code)
        with qtbot.waitSignal(d.signedIn, timeout=WAIT):
            d.sign_in()
        lib = first.library
        qtbot.waitUntil(lambda: any(v.sha256 == sha for v in lib.recordings()), timeout=WAIT)
        view = next(v for v in lib.recordings() if v.sha256 == sha)
        first.close()

        window = make_window()  # the next start of the app on the linked library
        window.open_recording(view.id, reason="test: opened before the store is connected")
        qtbot.waitUntil(lambda: window.controller.source is not None and not window.controller.busy, timeout=WAIT)
        assert window.controller.source.view.sha256 == sha
        seek(qtbot, window, 5)
        assert canvas_code(window, clip.width) == clip.first_code + 5
        window.close()
