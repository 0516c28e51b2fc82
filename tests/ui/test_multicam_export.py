"""The grid's "Export incident range…" (issue 13 s.4): the composite runs off the UI thread behind a progress
dialog; the focused camera comes first and each tile's burned-in code is the clock's frame; Cancel leaves nothing."""

from __future__ import annotations

import json

import av

from tests.fixtures import framecode
from tests.ui.shell import import_and_wait, library, make_window, settings, window  # noqa: F401 - fixtures
from tests.ui.test_multicam_grid import grid, scene_paths  # noqa: F401 - fixtures


def wait_settled(qtbot, g):
    qtbot.waitUntil(lambda: not g.session.playing and g.session.settled(), timeout=60_000)


def test_export_incident_range_from_the_grid_with_progress(qtbot, grid, tmp_path):  # noqa: F811
    s = grid.session
    feature = grid.parent().f.multicam
    pc_b = next(k for k in s.keys if s.camera_name(k) == "pc-b.mp4")
    s.set_focus(pc_b)
    s.seek(30.0)
    wait_settled(qtbot, grid)
    grid.export_button.click()
    dialog = feature.export_dialog
    assert dialog is not None and dialog.start.value() == s.time and dialog.layout_box.currentText() == "2x2"
    dialog.end.setValue(s.time + 0.4)
    out = tmp_path / "grid" / "composite.mp4"
    dialog.out.setText(str(out))
    dialog.recipient.setText("PSD")
    dialog.package.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: feature.last_export is not None, timeout=120_000)
    assert feature.export_progress.isHidden()
    [res] = feature.last_export
    manifest = json.loads(res.manifest_path.read_text())
    first = manifest["sources"][0]
    assert first["sha256"] == pc_b and manifest["incident"]["from"] == round(s.time, 6)
    with av.open(str(out)) as c:
        frame0 = next(c.decode(video=0)).to_ndarray(format="rgb24")
    for src in manifest["sources"]:
        x, y, w, h = src["picture"]
        assert framecode.read(frame0[y:y + h, x:x + w]) == s.clock.frame_at(src["sha256"], s.time).index
    assert "Incident export finished" in grid.status.text()
    assert "NO Content Credentials" in grid.status.text()  # no signing identity here: said, not hidden
    # the disclosure package beside it: its ZIP holds the very copy, disclosed on the incident
    assert res.package.path == out.with_name("composite-disclosure.zip") and res.package.path.exists()
    assert {"name": out.name, "sha256": manifest["output"]["sha256"]} in res.package.files
    assert "Disclosure package: composite-disclosure.zip" in grid.status.text()


def test_cancelling_an_incident_export_leaves_nothing(qtbot, grid, tmp_path):  # noqa: F811
    s = grid.session
    feature = grid.parent().f.multicam
    s.seek(20.0)
    wait_settled(qtbot, grid)
    dialog = feature.show_export_dialog()
    dialog.end.setValue(s.time + 20.0)
    out = tmp_path / "cancel" / "composite.mp4"
    dialog.out.setText(str(out))
    dialog.accept()
    qtbot.waitUntil(lambda: feature.export_op is not None, timeout=10_000)
    feature.export_progress.cancel()
    qtbot.waitUntil(lambda: feature.export_op.finished, timeout=60_000)
    assert feature.last_export is None and not out.exists()
    assert not [p for p in out.parent.glob("*") if p.name.endswith(".mp4")] if out.parent.exists() else True
    assert "cancelled" in grid.status.text()
