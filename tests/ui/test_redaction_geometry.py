"""Qt-free pieces of the editor: shape editing geometry, and the timeline lane's active spans, which must show
exactly the frames where interpolate() (the preview's and the export's truth) gives geometry."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.redact.interpolate import interpolate
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind
from ui.redaction import geometry as geo
from ui.redaction.mask_lane import active_spans
from ui.redaction.session import held_geometry, hidden_at

BOX = ((10.0, 20.0), (110.0, 80.0))


def test_handles_resize_the_right_sides_and_a_box_flips_instead_of_inverting():
    assert geo.drag_handle(ShapeKind.RECT, BOX, 4, (150, 100)) == ((10, 20), (150, 100))  # bottom-right
    assert geo.drag_handle(ShapeKind.RECT, BOX, 1, (999, 5)) == ((10, 5), (110, 80))  # top edge: y only
    assert geo.drag_handle(ShapeKind.ELLIPSE, BOX, 0, (200, 90)) == ((110, 80), (200, 90))  # past the far corner
    tri = ((0, 0), (10, 0), (5, 8))
    assert geo.drag_handle(ShapeKind.POLYGON, tri, 2, (5, 20)) == ((0, 0), (10, 0), (5.0, 20.0))
    assert geo.translate(BOX, 5, -5) == ((15, 15), (115, 75))


def test_hit_tests_follow_the_shape_not_its_box():
    assert geo.contains(ShapeKind.RECT, BOX, (12, 22))
    assert not geo.contains(ShapeKind.ELLIPSE, BOX, (12, 22))  # a corner of the box is outside the ellipse
    assert geo.contains(ShapeKind.ELLIPSE, BOX, (60, 50))
    tri = ((0, 0), (100, 0), (0, 100))
    assert geo.contains(ShapeKind.POLYGON, tri, (10, 10)) and not geo.contains(ShapeKind.POLYGON, tri, (80, 80))
    assert geo.contains(ShapeKind.POLYGON, tri, (52, 52), slack=4)
    assert geo.nearest_handle(ShapeKind.RECT, BOX, (111, 79), 3) == 4
    assert geo.nearest_handle(ShapeKind.RECT, BOX, (60, 21), 3, geo.CORNERS) is None


def test_lasso_is_simplified_to_a_few_vertices_that_keep_the_outline():
    a = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    trace = tuple(zip(100 + 50 * np.cos(a), 100 + 30 * np.sin(a)))
    poly = geo.simplify_lasso(trace, epsilon=2.0)
    assert 8 <= len(poly) <= 40
    assert all(abs(((x - 100) / 50) ** 2 + ((y - 100) / 30) ** 2 - 1) < 0.15 for x, y in poly)
    assert len(geo.simplify_lasso(((0, 0), (50, 1), (100, 0), (50, -1)), epsilon=5.0)) >= 3  # thin: still an area


def test_refit_moves_and_scales_a_polygon_with_its_box():
    tri = ((0, 0), (10, 0), (0, 10))
    assert geo.refit(tri, (0, 0, 10, 10), (100, 50, 120, 70)) == ((100, 50), (120, 50), (100, 70))


def test_held_geometry_is_where_the_subject_was_last_seen():
    k = [Keyframe(0, BOX), Keyframe(100, ((0, 0), (5, 5)), hidden=True), Keyframe(200, ((50, 50), (60, 60)))]
    t = MaskTrack(ShapeKind.RECT, tuple(k))
    assert held_geometry(t, 50) == (interpolate(t, 50), True)
    assert held_geometry(t, 150) == (BOX, False) and hidden_at(t, 150) and not hidden_at(t, 50)
    assert held_geometry(t, 300) == (((50, 50), (60, 60)), True), "held after the last keyframe, live"
    assert held_geometry(t, -10) == (BOX, False)


keyframes = st.lists(st.tuples(st.integers(0, 60), st.booleans()), min_size=1, max_size=8,
                     unique_by=lambda kf: kf[0])


@settings(max_examples=200, deadline=None)
@given(keyframes, st.integers(1, 3))
def test_lane_spans_are_exactly_the_frames_interpolate_shows(kfs, step):
    pts = np.arange(0, 61 * step, step, dtype=np.int64)  # a frame every `step` ticks
    track = MaskTrack(ShapeKind.RECT, tuple(Keyframe(p * step, BOX, hidden) for p, hidden in kfs))
    shown = {i for i, p in enumerate(pts) if interpolate(track, int(p)) is not None}
    spans = active_spans(track, pts)
    covered = {i for a, b in spans for i in range(a, b + 1)}
    assert covered == shown
    assert all(b1 + 1 < a2 for (_a1, b1), (a2, _b2) in zip(spans, spans[1:]))  # merged, ordered
