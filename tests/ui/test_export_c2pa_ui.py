"""The Exports dock says whether a finished copy carries Content Credentials, and loudly when it does not."""

from __future__ import annotations

import shutil

import pytest

from reviewer.export.queue import ExportQueue
from reviewer.export.service import ExportJob
from reviewer.provenance.certs import make_test_ca
from reviewer.provenance.check import check_file
from reviewer.provenance.identity import import_cert
from tests.ui.shell import library  # noqa: F401 - fixture
from ui.export.jobs_panel import JobsPanel

WAIT = 60_000


@pytest.fixture
def recording(library, make_clip, tmp_path):
    src = tmp_path / "in" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(make_clip("cfr_noaudio").path, src)
    return library.import_paths([src]).added[0]


def run_one(qtbot, library, rid, out):
    queue = ExportQueue(library)
    panel = JobsPanel(queue)
    qtbot.addWidget(panel)
    panel.show()
    try:
        st = queue.submit(ExportJob(rid, out, ranges=((0, 9),), preset="ultrafast", report=False,
                                    purpose="ui test", recipient="CPS"))
        qtbot.waitUntil(lambda: st.id in panel.rows and panel.rows[st.id].state in ("done", "failed"), timeout=WAIT)
        row = panel.rows[st.id]
        assert row.state == "done", row.error.text()
        return row.c2pa.isVisible(), row.c2pa.text(), row.c2pa.objectName()
    finally:
        panel.detach()
        queue.shutdown()


def test_the_exports_dock_shows_the_credential_state(qtbot, library, recording, tmp_path):
    shown, text, style = run_one(qtbot, library, recording.id, tmp_path / "unsigned.mp4")
    assert shown and text.startswith("NO Content Credentials: no C2PA signing identity") and style == "errorText"

    _ca, chain, key = make_test_ca(org="UI Test Force")
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    import_cert(library, tmp_path / "chain.pem", tmp_path / "key.pem")
    shown, text, style = run_one(qtbot, library, recording.id, tmp_path / "signed.mp4")
    assert shown and text == "Content Credentials signed by O=UI Test Force,CN=BWV Reviewer test signer"
    assert style == "hintText" and check_file(tmp_path / "signed.mp4").state == "valid"
