"""Go to: frame numbers, media times and camera times land on the right frame; bad input is refused clearly."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from reviewer.media.probe import probe
from reviewer.media.timecode import camera_time, format_camera_time, format_media_time
from ui.dialogs.goto_dialog import GotoDialog, Mode, parse_target

START = dt.datetime(2024, 5, 1, 14, 3, 22, 433000, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def vfr_table(make_clip):
    return probe(make_clip("vfr_h264").path)[1]


def test_frame_numbers_are_zero_based_and_bounded(vfr_table):
    last = vfr_table.frame_count - 1
    assert parse_target(Mode.FRAME, "0", vfr_table, None) == 0
    assert parse_target(Mode.FRAME, f" {last} ", vfr_table, None) == last
    for bad, words in (("-1", "does not exist"), (str(last + 1), f"0 to {last}"), ("12.5", "whole frame"),
                       ("abc", "whole frame"), ("", "Enter a value")):
        with pytest.raises(ValueError, match=words):
            parse_target(Mode.FRAME, bad, vfr_table, None)


def test_media_time_of_every_frame_maps_back_to_that_frame_on_vfr(vfr_table):
    for i in range(vfr_table.frame_count):
        assert parse_target(Mode.MEDIA, format_media_time(vfr_table.media_time(i)), vfr_table, None) == i


def test_media_time_outside_the_recording_or_malformed_is_refused(vfr_table):
    with pytest.raises(ValueError, match="outside the recording"):
        parse_target(Mode.MEDIA, "01:00:00.000", vfr_table, None)
    with pytest.raises(ValueError, match="not a media time"):
        parse_target(Mode.MEDIA, "1:2:3:4", vfr_table, None)


def test_camera_time_maps_to_the_frame_on_screen_then(vfr_table):
    for i in (0, 1, vfr_table.frame_count // 2, vfr_table.frame_count - 1):
        text = format_camera_time(camera_time(START, vfr_table.media_time(i)))
        assert parse_target(Mode.CAMERA, text, vfr_table, START) == i
    # a bare time of day means the recording's day
    assert parse_target(Mode.CAMERA, "14:03:22.433", vfr_table, START) == 0
    with pytest.raises(ValueError, match="outside the recording"):
        parse_target(Mode.CAMERA, "2024-05-01 14:03:22.000", vfr_table, START)  # before the first frame
    with pytest.raises(ValueError, match="not a camera time"):
        parse_target(Mode.CAMERA, "yesterday", vfr_table, START)
    # a camera start with sub-millisecond digits: frame 0's printed time still finds frame 0
    odd_start = START + dt.timedelta(microseconds=700)
    assert parse_target(Mode.CAMERA, format_camera_time(odd_start), vfr_table, odd_start) == 0
    with pytest.raises(ValueError, match="no camera start time"):
        parse_target(Mode.CAMERA, "14:03:22.433", vfr_table, None)


def test_dialog_disables_ok_and_explains_bad_input(qtbot, vfr_table):
    d = GotoDialog(vfr_table, START, current_index=7)
    qtbot.addWidget(d)
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert d.field.text() == "7" and ok.isEnabled()  # pre-filled with where we are
    d.field.setText("99999")
    assert not ok.isEnabled() and "does not exist" in d.error.text()
    d.set_mode(Mode.MEDIA)
    assert d.field.text() == format_media_time(vfr_table.media_time(7))
    d.field.setText(format_media_time(vfr_table.media_time(20)))
    assert ok.isEnabled() and d.error.text() == ""
    with qtbot.waitSignal(d.accepted, timeout=60_000):
        d.accept()
    assert d.target_index == 20


def test_camera_mode_is_unavailable_without_a_camera_start(qtbot, vfr_table):
    d = GotoDialog(vfr_table, None)
    qtbot.addWidget(d)
    assert not d.mode_box.model().item(list(Mode).index(Mode.CAMERA)).isEnabled()
