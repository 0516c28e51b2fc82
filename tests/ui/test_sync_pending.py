"""Metadata first, in the window (issue 10 s.3): a recording a dock has announced but not finished uploading is
listed in the library panel marked as uploading; opening it says it is still uploading and starts no download;
once the store has verified its footage the mark goes and it opens with its own frames. A real store process and
the dock's own tus client."""

from __future__ import annotations

import hashlib
import json

import pytest

from reviewer.store.dock_client import StoreClient
from tests.store import footage_world, services
from tests.ui.annotate_helpers import WAIT, canvas_code, seek
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures
from ui.panels.library_panel import UPLOADING_BADGE, UPLOADING_LINE

pytestmark = pytest.mark.gui


def test_an_uploading_recording_is_marked_refuses_to_open_then_opens_once_verified(qtbot, window, make_clip,
                                                                                    tmp_path):
    clip = make_clip("cfr_h264")
    data = clip.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = "BWV-00900_0001.mp4"
    with footage_world.start(tmp_path / "srv") as w:
        w.incident("UI-P1")
        code = services.add_user(w.config, "ui-psd-p", "professional_standards")
        dock = StoreClient(w.server.url, token=services.enrol(w.server.url, services.add_user(
            w.config, "ui-dock-p", "dock"))["access_token"])
        f = window.f.sync
        d = f.sign_in()
        d.url.setText(w.server.url)
        d.code.setText(code)
        with qtbot.waitSignal(d.signedIn, timeout=WAIT):
            d.sign_in()
        qtbot.waitUntil(lambda: f.loop is not None and f.downloads.manager is not None, timeout=WAIT)
        panel, lib = window.library_panel, window.library

        def item_text() -> str:
            view = next((v for v in lib.recordings() if v.sha256 == sha), None)
            item = panel.item_for(view.id) if view is not None else None
            return item.text(0) if item is not None else ""

        location = dock.create(len(data), {"sha256": sha, "filename": name,
                                           "sidecar": json.dumps({"incident_ref": "UI-P1", "device_id": "BWV-900"})})
        half = len(data) // 2
        dock.append(location, 0, data[:half])
        qtbot.waitUntil(lambda: UPLOADING_BADGE in item_text(), timeout=WAIT)  # listed from the dock's word alone
        assert item_text().startswith(f"{name}{UPLOADING_BADGE}\n") and UPLOADING_LINE in item_text()
        view = next(v for v in lib.recordings() if v.sha256 == sha)
        assert view.availability == "uploading"

        window.open_recording(view.id, reason="test: footage still on its way")
        assert window.statusBar().currentMessage() == (
            f"recording {view.id[:8]} ({name}): still uploading from the dock to the central store; it can be "
            "opened once the store has received and verified it")
        assert f.downloads.manager.jobs() == [] and not f.downloads_dock.isVisible()
        assert window.controller.source is None

        dock.append(location, half, data[half:])  # the rest arrives; the store verifies and announces it
        qtbot.waitUntil(lambda: item_text() and UPLOADING_BADGE not in item_text(), timeout=WAIT)
        assert UPLOADING_LINE not in item_text() and lib.get(view.id).availability == "remote"
        window.open_recording(view.id, reason="test: footage now in the store")
        qtbot.waitUntil(lambda: f.downloads.views.get(view.id, {}).get("state") == "done", timeout=WAIT)
        qtbot.waitUntil(lambda: window.controller.source is not None and not window.controller.busy, timeout=WAIT)
        assert window.controller.source.view.sha256 == sha
        seek(qtbot, window, 7)
        assert canvas_code(window, clip.width) == clip.first_code + 7
        dock.close()
        window.close()  # the download manager and its client go before the store does
