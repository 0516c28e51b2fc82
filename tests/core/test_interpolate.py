"""Properties of the one interpolate() function that both preview and export use."""

from __future__ import annotations

from hypothesis import given, strategies as st

from reviewer.media.frametable import build_frame_table
from reviewer.redact.interpolate import bounds, interpolate, resample_polygon
from reviewer.redact.model import Keyframe, MaskTrack, ShapeKind

coord = st.floats(min_value=0, max_value=1920, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord)


@st.composite
def tracks(draw, kind=ShapeKind.POLYGON):
    n = draw(st.integers(min_value=1, max_value=8))
    pts = sorted(draw(st.sets(st.integers(min_value=0, max_value=100_000), min_size=n, max_size=n)))
    kfs = []
    for p in pts:
        if kind is ShapeKind.POLYGON:
            verts = tuple(draw(st.lists(point, min_size=3, max_size=7)))
        else:
            a, b = draw(point), draw(point)
            verts = ((min(a[0], b[0]), min(a[1], b[1])), (max(a[0], b[0]), max(a[1], b[1])))
        kfs.append(Keyframe(p, verts, draw(st.booleans()) if kfs else False))
    return MaskTrack(kind, tuple(kfs))


@given(tracks(ShapeKind.POLYGON))
def test_keyframe_returns_its_own_geometry_exactly(track):
    for k in track.keyframes:
        got = interpolate(track, k.pts)
        assert got is None if k.hidden else got == k.points


@given(tracks(ShapeKind.RECT), st.data())
def test_between_keyframes_stays_within_both_geometries(track, data):
    if len(track.keyframes) < 2:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(track.keyframes) - 2))
    k0, k1 = track.keyframes[i], track.keyframes[i + 1]
    if k1.pts - k0.pts < 2:
        return
    p = data.draw(st.integers(min_value=k0.pts + 1, max_value=k1.pts - 1))
    got = interpolate(track, p)
    if k0.hidden:
        assert got is None
        return
    assert got is not None
    ax0, ay0, ax1, ay1 = bounds(k0.points)
    bx0, by0, bx1, by1 = bounds(k1.points)
    gx0, gy0, gx1, gy1 = bounds(got)
    eps = 1e-6
    assert min(ax0, bx0) - eps <= gx0 and gx1 <= max(ax1, bx1) + eps
    assert min(ay0, by0) - eps <= gy0 and gy1 <= max(ay1, by1) + eps


@given(tracks(ShapeKind.POLYGON), st.integers(min_value=-1000, max_value=200_000))
def test_nothing_before_the_start_or_while_hidden_and_held_after_the_last_keyframe(track, p):
    got = interpolate(track, p)
    if p < track.start_pts:
        assert got is None
    last = track.keyframes[-1]
    if p >= last.pts:  # a mask stays until hidden: it never lapses at its last keyframe
        assert got == (None if last.hidden else last.points)
    # the last keyframe at or before p decides visibility
    before = [k for k in track.keyframes if k.pts <= p]
    if before and before[-1].hidden:
        assert got is None


def test_polygons_with_different_vertex_counts_are_resampled():
    tri = ((0.0, 0.0), (10.0, 0.0), (0.0, 10.0))
    square = ((0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0))
    t = MaskTrack(ShapeKind.POLYGON, (Keyframe(0, tri), Keyframe(10, square)))
    mid = interpolate(t, 5)
    assert len(mid) == 4
    assert len(resample_polygon(tri, 6)) == 6


def test_keying_by_pts_holds_on_a_vfr_clip(make_clip):
    """Keyframes at the pts of frames 10 and 40 of a VFR clip: motion follows time, not frame count."""
    table = build_frame_table(make_clip("vfr_h264").path)
    p0, p1 = int(table.pts[10]), int(table.pts[40])
    t = MaskTrack(ShapeKind.RECT, (Keyframe(p0, ((0.0, 0.0), (10.0, 10.0))), Keyframe(p1, ((300.0, 0.0), (310.0, 10.0)))))
    for i in range(10, 41):
        x = interpolate(t, int(table.pts[i]))[0][0]
        expected = 300.0 * (int(table.pts[i]) - p0) / (p1 - p0)
        assert abs(x - expected) < 1e-9
    # on a VFR clip, halfway in frames is not halfway in time
    assert abs(interpolate(t, int(table.pts[25]))[0][0] - 150.0) > 1.0
    assert interpolate(t, int(table.pts[9])) is None
    assert interpolate(t, int(table.pts[41])) == t.keyframes[-1].points, "held after the last keyframe"
