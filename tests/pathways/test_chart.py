"""The severity chart: parsed as XML and checked by geometry, never by matching the SVG text."""

import datetime
import itertools
import xml.etree.ElementTree as ET

import pytest

from apps.pathways.chart import CourseBand, RelapseMarker, ScorePoint, severity_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2025, 6, 30)
D = datetime.date


def _chart(scores=(), courses=(), relapses=(), today=TODAY):
    svg = severity_chart_svg(scores=list(scores), courses=list(courses), relapses=list(relapses), today=today)
    return ET.fromstring(svg)


def _by_class(root, tag, cls):
    return [el for el in root.iter(f"{SVG}{tag}") if cls in el.get("class", "").split()]


def _points(root):
    return _by_class(root, "circle", "score-point")


def _bands(root):
    return _by_class(root, "rect", "course-band")


def _markers(root):
    return _by_class(root, "g", "relapse-marker")


def _cx(point):
    return float(point.get("cx"))


def _cy(point):
    return float(point.get("cy"))


SCORES = [
    ScorePoint(D(2025, 1, 6), 18, 24),
    ScorePoint(D(2025, 2, 3), 12, 24),
    ScorePoint(D(2025, 3, 3), 7, 24),
    ScorePoint(D(2025, 3, 31), 9, 24),
    ScorePoint(D(2025, 4, 28), 3, 24),
]


def test_the_chart_is_a_labelled_svg():
    root = _chart(SCORES)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text
    assert "severity-table" in root.find(f"{SVG}desc").text


def test_one_circle_per_score_carrying_its_date_and_total():
    points = _points(_chart(SCORES))
    assert [(p.get("data-date"), int(p.get("data-total"))) for p in points] == [
        (s.day.isoformat(), s.total) for s in SCORES
    ]


def test_x_increases_with_the_date():
    xs = [_cx(p) for p in _points(_chart(SCORES))]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)


def test_a_higher_total_is_drawn_higher():
    points = _points(_chart(SCORES))
    by_total = sorted(points, key=lambda p: int(p.get("data-total")))
    cys = [_cy(p) for p in by_total]
    # Ascending totals give strictly descending cy (smaller cy is higher on the page).
    assert cys == sorted(cys, reverse=True)
    assert len(set(cys)) == len(cys)


def test_y_is_proportional_to_the_total():
    points = _points(_chart(SCORES))
    (p18, p12, p7, _, p3) = points
    per_point = (_cy(p3) - _cy(p18)) / (18 - 3)
    assert per_point > 0
    assert _cy(p12) == pytest.approx(_cy(p18) + 6 * per_point, abs=0.5)
    assert _cy(p7) == pytest.approx(_cy(p18) + 11 * per_point, abs=0.5)


def test_equal_date_gaps_give_equal_x_gaps():
    # SCORES are 28 days apart.
    xs = [_cx(p) for p in _points(_chart(SCORES))]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert all(gap > 0 for gap in gaps)
    assert max(gaps) - min(gaps) <= 0.5


def test_x_gaps_are_proportional_to_date_gaps():
    scores = [
        ScorePoint(D(2025, 1, 1), 5, 10),
        ScorePoint(D(2025, 1, 11), 5, 10),
        ScorePoint(D(2025, 2, 10), 5, 10),
    ]
    a, b, c = (_cx(p) for p in _points(_chart(scores)))
    assert (c - b) == pytest.approx(3 * (b - a), abs=0.5)


def test_no_scores_draws_no_points_but_still_parses():
    root = _chart()
    assert _points(root) == []
    assert _by_class(root, "text", "empty")


def test_one_band_per_course_covering_start_to_end():
    courses = [
        CourseBand(1, "Dexamethasone pulses", D(2025, 1, 6), D(2025, 3, 3), "completed"),
        CourseBand(2, "IVIG", D(2025, 2, 3), D(2025, 4, 28), "stopped"),
    ]
    root = _chart(SCORES, courses)
    points, bands = _points(root), _bands(root)
    assert [b.get("data-course") for b in bands] == ["1", "2"]
    by_date = {p.get("data-date"): _cx(p) for p in points}
    for band, course in zip(bands, courses, strict=True):
        x, width = float(band.get("x")), float(band.get("width"))
        assert x == pytest.approx(by_date[course.start.isoformat()], abs=0.5)
        assert x + width == pytest.approx(by_date[course.end.isoformat()], abs=0.5)
        assert (band.get("data-start"), band.get("data-end")) == (
            course.start.isoformat(),
            course.end.isoformat(),
        )
        assert f"course-{course.status}" in band.get("class").split()


def test_an_ongoing_band_ends_at_today():
    scores = [ScorePoint(D(2025, 5, 1), 10, 20), ScorePoint(TODAY, 4, 20)]
    courses = [CourseBand(7, "Rituximab", D(2025, 5, 1), None, "active")]
    root = _chart(scores, courses)
    points = _points(root)
    (band,) = _bands(root)
    x, width = float(band.get("x")), float(band.get("width"))
    assert x == pytest.approx(_cx(points[0]), abs=0.5)
    assert x + width == pytest.approx(_cx(points[1]), abs=0.5)
    assert band.get("data-end") == TODAY.isoformat()
    (today_line,) = _by_class(root, "line", "today")
    assert x + width == pytest.approx(float(today_line.get("x1")), abs=0.5)


def test_band_width_scales_with_course_length():
    courses = [
        CourseBand(1, "Short", D(2025, 1, 6), D(2025, 1, 20), "completed"),
        CourseBand(2, "Long", D(2025, 1, 6), D(2025, 3, 3), "completed"),
    ]
    short, long = (float(b.get("width")) for b in _bands(_chart(SCORES, courses)))
    assert long == pytest.approx(4 * short, abs=0.5)


def test_one_marker_per_relapse_between_the_scores_around_it():
    relapses = [
        RelapseMarker(11, D(2025, 3, 17), "moderate"),  # halfway between 3 Mar and 31 Mar
        RelapseMarker(12, D(2025, 4, 7), "mild"),  # a quarter of the way from 31 Mar to 28 Apr
    ]
    root = _chart(SCORES, relapses=relapses)
    points, markers = _points(root), _markers(root)
    assert [m.get("data-relapse") for m in markers] == ["11", "12"]
    cx = {p.get("data-date"): _cx(p) for p in points}

    first, second = (float(m.get("data-x")) for m in markers)
    assert cx["2025-03-03"] < first < cx["2025-03-31"]
    assert first == pytest.approx((cx["2025-03-03"] + cx["2025-03-31"]) / 2, abs=0.5)
    assert cx["2025-03-31"] < second < cx["2025-04-28"]
    assert second == pytest.approx(cx["2025-03-31"] + (cx["2025-04-28"] - cx["2025-03-31"]) / 4, abs=0.5)
    # The drawn line sits where data-x says.
    for marker in markers:
        (line,) = marker.iter(f"{SVG}line")
        assert float(line.get("x1")) == float(marker.get("data-x"))


def test_a_relapse_before_any_course_or_score_widens_the_range():
    relapses = [RelapseMarker(1, D(2024, 11, 1), "severe")]
    root = _chart(SCORES, relapses=relapses)
    (marker,) = _markers(root)
    assert float(marker.get("data-x")) < _cx(_points(root)[0])


def test_labels_are_escaped_as_text_not_markup():
    label = '<script>alert("x")</script> & "IVIG"'
    courses = [
        CourseBand(1, label, D(2025, 1, 6), D(2025, 3, 3), "completed"),
        CourseBand(2, label, D(2025, 3, 3), None, "active"),
    ]
    relapses = [RelapseMarker(3, D(2025, 2, 1), "<b>severe</b>")]
    root = _chart(SCORES, courses, relapses)
    assert not [el for el in root.iter() if el.tag.endswith("script") or el.tag.endswith("}b")]
    texts = ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]
    assert label in texts
    assert f"{label} (active)" in texts
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert any(t.startswith(label) for t in titles)
    assert any("<b>severe</b>" in t for t in titles)


def test_every_point_and_band_is_inside_the_viewbox():
    courses = [CourseBand(1, "ACTH", D(2024, 12, 1), None, "weaning")]
    relapses = [RelapseMarker(1, D(2025, 6, 29), "mild")]
    root = _chart(SCORES, courses, relapses)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    for p in _points(root):
        assert 0 <= _cx(p) <= width and 0 <= _cy(p) <= height
    for band in _bands(root):
        x, w, y = float(band.get("x")), float(band.get("width")), float(band.get("y"))
        assert x >= 0 and x + w <= width and 0 <= y <= height
    for marker in _markers(root):
        assert 0 <= float(marker.get("data-x")) <= width


def test_a_total_of_zero_sits_on_the_axis_and_the_maximum_at_the_top():
    scores = [ScorePoint(D(2025, 5, 1), 0, 12), ScorePoint(D(2025, 6, 1), 12, 12)]
    root = _chart(scores)
    low, high = _points(root)
    (axis,) = _by_class(root, "line", "axis")
    assert _cy(low) == pytest.approx(float(axis.get("y1")), abs=0.5)
    assert _cy(high) < _cy(low)
