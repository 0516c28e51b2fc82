"""The downloads dock (issue 11 s.3): progress, rate and ETA from the download manager's events (which arrive on
its worker threads), pause/resume/cancel buttons, and opening a recording whose footage is only in the store
queues its download and opens it once done.

The manager here speaks DownloadManager's interface (reviewer/sync/download_manager.py: subscribe, enqueue,
pause, resume, cancel, jobs; events ("download", view dict) from worker threads) without a store; the store-backed
manager is tested against a real store in tests/store/test_footage_downloads.py."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from reviewer.events import Publisher
from tests.ui.annotate_helpers import WAIT, import_copy, settle
from tests.ui.shell import library, make_window, settings, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
MB = 1024 * 1024


class ThreadedManager:
    """Each state change and progress report is emitted from a worker thread, as the real manager's are."""

    def __init__(self, files: dict[str, tuple[str, int]]):
        self.files = files  # id -> (file name, size)
        self.events = Publisher()
        self.calls: list[tuple[str, str]] = []
        self.views: dict[str, dict] = {}

    def subscribe(self, cb) -> None:
        self.events.subscribe(cb)

    def unsubscribe(self, cb) -> None:
        self.events.unsubscribe(cb)

    def jobs(self):
        return []

    def emit(self, rid: str, **changes) -> None:
        v = self.views.setdefault(rid, {"id": rid, "sha256": "0" * 64, "file_name": self.files[rid][0],
                                        "state": "queued", "done": 0, "total": self.files[rid][1], "rate": 0.0,
                                        "eta_s": None, "error": ""})
        v.update(changes)
        t = threading.Thread(target=self.events.emit, args=("download", dict(v)))
        t.start()
        t.join()

    def enqueue(self, rid: str):
        self.calls.append(("enqueue", rid))
        self.emit(rid, state="queued")
        return _View(**self.views[rid])

    def pause(self, rid: str) -> None:
        self.calls.append(("pause", rid))
        self.emit(rid, state="paused", rate=0.0, eta_s=None)

    def resume(self, rid: str):
        self.calls.append(("resume", rid))
        return self.enqueue(rid)

    def cancel(self, rid: str) -> None:
        self.calls.append(("cancel", rid))
        self.emit(rid, state="cancelled", rate=0.0, eta_s=None)


@dataclasses.dataclass
class _View:
    id: str
    sha256: str
    file_name: str
    state: str
    done: int
    total: int
    rate: float
    eta_s: float | None
    error: str

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def test_progress_rate_eta_and_pause_resume_cancel(qtbot, window):
    f = window.f.sync
    m = ThreadedManager({"r1": ("camera-0042.mp4", 400 * MB)})
    f.downloads.bind(m)
    window.actions_by_id["sync_downloads"].trigger()
    panel = f.downloads
    assert f.downloads_dock.isVisible()
    panel.start("r1")
    m.emit("r1", state="running", done=100 * MB, rate=5 * MB, eta_s=65.0)
    qtbot.waitUntil(lambda: panel.views.get("r1", {}).get("done") == 100 * MB, timeout=WAIT)
    name, _bar, state, rate, eta = panel.row_text("r1")
    assert (name, state, rate, eta) == ("camera-0042.mp4", "Downloading", "5.0 MB/s", "1:05")
    assert panel._bars["r1"].value() == 250 and panel._bars["r1"].text() == "100.0 MB of 400.0 MB"
    assert panel.pause_button.isEnabled() and not panel.resume_button.isEnabled()

    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.row_text("r1")[2] == "Paused", timeout=WAIT)
    assert panel.row_text("r1")[3:] == ("", "") and panel.resume_button.isEnabled()
    panel.resume_button.click()
    qtbot.waitUntil(lambda: panel.row_text("r1")[2] == "Waiting", timeout=WAIT)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.row_text("r1")[2] == "Cancelled", timeout=WAIT)
    assert m.calls == [("enqueue", "r1"), ("pause", "r1"), ("resume", "r1"), ("enqueue", "r1"), ("cancel", "r1")]


def test_a_burst_of_progress_reports_ends_on_the_last_one(qtbot, window):
    f = window.f.sync
    m = ThreadedManager({"r1": ("a.mp4", 1000)})
    f.downloads.bind(m)
    f.downloads.start("r1")
    for done in range(0, 1001, 10):
        m.emit("r1", state="running", done=done, rate=100.0, eta_s=(1000 - done) / 100)
    m.emit("r1", state="done", done=1000, rate=0.0, eta_s=None)
    qtbot.waitUntil(lambda: f.downloads.row_text("r1")[2] == "Done", timeout=WAIT)
    assert f.downloads._bars["r1"].value() == 1000


def test_opening_a_recording_only_in_the_store_downloads_it_then_opens_it(qtbot, window, make_clip, tmp_path,
                                                                         monkeypatch):
    lib = window.library
    view = import_copy(lib, make_clip("cfr_h264"), tmp_path)
    here = {"local": False}
    real_get = lib.get

    class Remote:
        """The library's view of a catalogued recording whose footage is not here yet."""

        def __init__(self, v):
            self._v = v

        def __getattr__(self, name):
            return getattr(self._v, name)

        @property
        def is_local(self):
            return here["local"]

    monkeypatch.setattr(lib, "get", lambda rid, *a, **k: real_get(rid, *a, **k) if here["local"]
                        else Remote(real_get(rid, *a, **k)))
    m = ThreadedManager({view.id: (view.file_name, view.size)})
    window.f.sync.downloads.bind(m)

    window.open_recording(view.id, reason="test: footage on demand")
    assert m.calls == [("enqueue", view.id)]
    assert window.f.sync.downloads_dock.isVisible() and window.controller.source is None
    m.emit(view.id, state="running", done=view.size // 2, rate=1000.0, eta_s=3.0)
    here["local"] = True  # the manager placed the verified original
    m.emit(view.id, state="done", done=view.size)
    qtbot.waitUntil(lambda: window.controller.source is not None or window.last_alert is not None, timeout=WAIT)
    assert window.last_alert is None, window.last_alert.text()
    settle(qtbot, window, 0)
    assert window.controller.source.view.id == view.id
