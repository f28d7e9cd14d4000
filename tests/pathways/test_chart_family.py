"""The family's data on the severity chart: markers as links, the questionnaire axis, the diary band,
escaping, the tables beside the chart, and a query count that does not grow with the family's data."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.pathways import selectors, services
from apps.pathways.chart import CourseBand, RelapseMarker, ScorePoint, severity_chart_svg
from apps.pathways.models import SymptomReport
from carecoord import family_layers
from carecoord.family_layers import DiaryDay, FamilyLayers, FamilyMarker, FamilyPoint

from .family_fake import QUESTIONNAIRE, FakeFamilyData, registered

SVG = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2025, 6, 30)
D = datetime.date
SCORES = [
    ScorePoint(D(2025, 1, 6), 18, 24),
    ScorePoint(D(2025, 3, 3), 7, 24),
    ScorePoint(D(2025, 6, 2), 3, 24),
]
COURSES = [CourseBand(1, "IVIG", D(2025, 1, 6), None, "active")]
RELAPSES = [RelapseMarker(2, D(2025, 4, 1), "mild")]
VIDEO = FamilyMarker("video", D(2025, 3, 3), "Eye movements at bedtime", "/family/videos/7/")
REPORT = FamilyMarker(
    "symptom_report", D(2025, 4, 1), "Unsteady again", "/patients/1/pathway/#symptom-report-3"
)
POINTS = [
    FamilyPoint("Sleep questionnaire (demo)", D(2025, 1, 6), 12, 30, "/q/1/"),
    FamilyPoint("Sleep questionnaire (demo)", D(2025, 3, 3), 30, 30, "/q/2/"),
]


def _chart(layers=None, scores=SCORES, **kwargs):
    svg = severity_chart_svg(
        scores=scores, courses=COURSES, relapses=RELAPSES, today=TODAY, family_layers=layers, **kwargs
    )
    return ET.fromstring(svg)  # it parses as XML


def _by_class(root, tag, cls):
    return [el for el in root.iter(f"{SVG}{tag}") if cls in el.get("class", "").split()]


def _score_x(root, day):
    (point,) = [p for p in _by_class(root, "circle", "score-point") if p.get("data-date") == day.isoformat()]
    return float(point.get("cx"))


def _diary(days, level=1):
    return [DiaryDay(D(2025, 6, 1) + datetime.timedelta(days=n), level, "", f"/d/{n}/") for n in range(days)]


def test_markers_are_titled_links_to_the_providers_url_at_their_date():
    root = _chart(FamilyLayers(markers=[REPORT, VIDEO]))
    links = list(root.iter(f"{SVG}a"))
    assert [(a.get("href"), a.get("data-kind")) for a in links] == [
        ("/family/videos/7/", "video"),
        ("/patients/1/pathway/#symptom-report-3", "symptom_report"),
    ]  # in date order, which is the keyboard's order too
    assert links[0].find(f"{SVG}title").text == "Video from the family, 03 Mar 2025: Eye movements at bedtime"
    assert links[1].find(f"{SVG}title").text.startswith("Symptom report, 01 Apr 2025")
    # Distinct shapes: a rect with a play triangle for a video, a diamond path for a report.
    assert links[0].find(f"{SVG}rect") is not None and links[0].find(f"{SVG}path") is not None
    assert links[1].find(f"{SVG}rect") is None and links[1].find(f"{SVG}path") is not None
    assert float(links[0].get("data-x")) == _score_x(root, D(2025, 3, 3))
    # Markers sit in a row above the plot; a chart with links is a group, not an image.
    top = min(float(line.get("y1")) for line in _by_class(root, "line", "gridline"))
    for a in links:
        ring = a.find(f"{SVG}circle")
        assert float(ring.get("cy")) + float(ring.get("r")) < top
    assert root.get("role") == "group"
    assert _chart().get("role") == "img"
    # Assistive technology meets the links (and the tables beside the chart), not the drawing.
    for child in root:
        if child.tag not in (f"{SVG}title", f"{SVG}desc") and child.find(f".//{SVG}a") is None:
            assert child.get("aria-hidden") == "true", child.get("class")


def test_close_markers_stack_in_lanes_instead_of_overlapping():
    same_day = [FamilyMarker("video", D(2025, 3, 3), f"Video {n}", f"/v/{n}/") for n in range(3)]
    root = _chart(FamilyLayers(markers=same_day))
    rings = [a.find(f"{SVG}circle") for a in root.iter(f"{SVG}a")]
    assert len({float(r.get("cy")) for r in rings}) == 3
    assert len({float(r.get("cx")) for r in rings}) == 1


def test_the_right_axis_appears_only_with_questionnaire_points():
    plain = _chart(FamilyLayers(markers=[VIDEO], diary=_diary(3)))
    assert not _by_class(plain, "g", "questionnaire-axis")
    assert plain.get("data-q-max") is None
    root = _chart(FamilyLayers(points=POINTS))
    (axis,) = _by_class(root, "g", "questionnaire-axis")
    assert "Questionnaire score" in "".join(axis.itertext())
    assert int(root.get("data-q-max")) >= 30
    # The series is its own dashed line through linked points, scaled to the right-hand axis.
    (series,) = _by_class(root, "g", "questionnaire-series")
    assert series.get("data-series") == "Sleep questionnaire (demo)"
    assert series.find(f"{SVG}polyline").get("stroke-dasharray")
    low, high = series.findall(f"{SVG}a")
    assert [low.get("href"), high.get("href")] == ["/q/1/", "/q/2/"]
    (zero_line, *_) = _by_class(root, "line", "axis")
    bottom = float(zero_line.get("y1"))

    def height(link):
        square = link.find(f"{SVG}rect")
        return bottom - (float(square.get("y")) + 4.5)

    q_max = int(root.get("data-q-max"))
    assert height(high) == pytest.approx(height(low) * 30 / 12, abs=0.5)
    assert height(high) == pytest.approx(200 * 30 / q_max, abs=0.5)
    legend = "".join(_by_class(root, "g", "legend")[0].itertext())
    assert "Sleep questionnaire (demo)" in legend and "Severity score" in legend


def test_the_band_has_one_cell_per_diary_day_as_wide_as_a_day_and_as_tall_as_its_level():
    diary = [
        DiaryDay(D(2025, 6, 1), 0, "", "/d/0/"),
        DiaryDay(D(2025, 6, 2), 1, "", "/d/1/"),
        DiaryDay(D(2025, 6, 4), 2, "Jerky all day", "/d/2/"),  # 3 June has no entry: no cell
    ]
    root = _chart(FamilyLayers(diary=diary))
    cells = _by_class(root, "rect", "diary-day")
    assert [(c.get("data-date"), c.get("data-level")) for c in cells] == [
        ("2025-06-01", "0"),
        ("2025-06-02", "1"),
        ("2025-06-04", "2"),
    ]
    heights = [float(c.get("height")) for c in cells]
    assert heights == sorted(heights) and len(set(heights)) == 3  # the level is a height, not only a shade
    x = [float(c.get("x")) for c in cells]
    assert x[2] - x[1] == pytest.approx(2 * (x[1] - x[0]), abs=0.2)
    assert float(cells[0].get("width")) <= x[1] - x[0]
    assert cells[2].find(f"{SVG}title").text == "Diary, 04 Jun 2025: marked (Jerky all day)"
    # Below the course bands.
    (band,) = _by_class(root, "rect", "course-band")
    assert min(float(c.get("y")) for c in cells) > float(band.get("y")) + float(band.get("height"))
    assert len(_by_class(_chart(FamilyLayers(diary=_diary(30))), "rect", "diary-day")) == 30


def test_family_labels_are_escaped_as_text_not_markup():
    label = '<script>alert("x")</script> & "jerks"'
    layers = FamilyLayers(
        markers=[FamilyMarker("video", D(2025, 3, 3), label, '/v/1/?a=1&b="2"')],
        points=[FamilyPoint(label, D(2025, 3, 3), 4, 10, "/q/1/")],
        diary=[DiaryDay(D(2025, 6, 1), 2, label, "/d/1/")],
    )
    text = severity_chart_svg(scores=SCORES, courses=[], relapses=[], today=TODAY, family_layers=layers)
    assert "<script" not in text
    root = ET.fromstring(text)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert sum(label in t for t in titles) == 3  # the marker, the point and the diary day
    (link,) = _by_class(root, "a", "family-marker")
    assert link.get("href") == '/v/1/?a=1&b="2"'
    assert label in ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]  # the legend


def test_items_outside_the_charts_dates_are_not_drawn():
    span = (D(2025, 1, 1), D(2025, 6, 30))
    layers = FamilyLayers(
        markers=[VIDEO, FamilyMarker("video", D(2024, 12, 31), "Too early", "/v/0/")],
        diary=[DiaryDay(D(2025, 7, 1), 2, "", "/d/")],
    )
    root = _chart(layers, span=span)
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/family/videos/7/"]
    assert not _by_class(root, "rect", "diary-day")


def test_without_a_span_the_chart_widens_to_the_familys_dates():
    early = FamilyMarker("video", D(2024, 10, 1), "Before any score", "/v/0/")
    root = _chart(FamilyLayers(markers=[early]))
    (link,) = root.iter(f"{SVG}a")
    assert float(link.get("data-x")) < _score_x(root, SCORES[0].day)


# The pathway page and its selector, with a stand-in provider registered.


@pytest.fixture
def fake_family():
    """Register a stand-in provider for the test; the provider list is restored afterwards."""
    saved = list(family_layers._providers)
    family_layers._providers.clear()
    with registered(FakeFamilyData()) as provider:
        yield provider
    assert family_layers._providers == []
    family_layers._providers[:] = saved


@pytest.fixture
def scale(db):
    return services.scale_create(
        actor=None, name="Test scale", items=[services.ItemSpec("Gait", 0, 3, code="gait")], is_demo=True
    )


def _reports(cast, count: int) -> list[SymptomReport]:
    now = timezone.now()
    return SymptomReport.objects.bulk_create(
        SymptomReport(
            patient=cast.child_a,
            reported_by=cast.family_a,
            submitted_at=now - datetime.timedelta(days=3 * n + 1),
            unsteady="a_lot",
            jerky_movements="no",
            eye_movements="no",
            sleep="a_little",
            behaviour="no",
            speech="no",
            recent_illness="no",
        )
        for n in range(count)
    )


def _page(client_for, user, cast):
    return client_for(user).get(f"/patients/{cast.child_a.pk}/pathway/")


def test_the_selector_asks_the_providers_for_the_charts_own_dates(cast, consultant, scale, fake_family):
    calls = []

    def spy(patient_id, start, end):
        calls.append((patient_id, start, end))
        late = FamilyMarker("video", end + datetime.timedelta(days=1), "Outside the dates asked for", "/v/")
        return FamilyLayers(markers=[late])  # neither drawn nor listed

    family_layers.register(spy)
    services.score_record(
        actor=consultant,
        patient=cast.child_a,
        scale=scale,
        assessed_on=timezone.localdate() - datetime.timedelta(days=400),
        values={"gait": 2},
    )
    (report,) = _reports(cast, 1)
    summary = selectors.pathway_summary(patient=cast.child_a)
    assert calls == [(cast.child_a.pk, *summary.chart_span)]
    start, end = summary.chart_span
    assert start < timezone.localdate() - datetime.timedelta(days=400) and end > timezone.localdate()
    # Pathways' own symptom reports join the provider's items as markers that open the report.
    reports = [m for m in summary.family.markers if m.kind == "symptom_report"]
    assert [m.url for m in reports] == [f"/patients/{cast.child_a.pk}/pathway/#symptom-report-{report.pk}"]
    assert len([m for m in summary.family.markers if m.kind == "video"]) == 2
    assert "Outside the dates asked for" not in [m.label for m in summary.family.markers]


def test_symptom_reports_are_markers_even_with_no_provider(cast, consultant, client_for):
    saved = list(family_layers._providers)
    family_layers._providers.clear()
    try:
        (report,) = _reports(cast, 1)
        root = ET.fromstring(_svg_text(_page(client_for, consultant, cast)))
    finally:
        family_layers._providers[:] = saved
    (link,) = root.iter(f"{SVG}a")
    assert link.get("href") == f"/patients/{cast.child_a.pk}/pathway/#symptom-report-{report.pk}"
    assert "marker-symptom-report" in link.get("class")


def _svg_text(response) -> str:
    html = response.content.decode()
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg"')
    return html[start : html.index("</svg>", start) + len("</svg>")]


def test_the_page_shows_the_family_layers_and_lists_them_in_tables(cast, consultant, client_for, fake_family):
    (report,) = _reports(cast, 1)
    fake_family.label = " <script>alert(1)</script>"
    response = _page(client_for, consultant, cast)
    html = response.content.decode()
    root = ET.fromstring(_svg_text(response))
    hrefs = [a.get("href") for a in root.iter(f"{SVG}a") if "family-marker" in a.get("class")]
    pk = cast.child_a.pk
    assert sorted(hrefs) == sorted(
        [
            f"/patients/{pk}/#video-1",
            f"/patients/{pk}/#video-2",
            f"/patients/{pk}/pathway/#symptom-report-{report.pk}",
        ]
    )
    assert len(_by_class(root, "rect", "diary-day")) == 42
    assert _by_class(root, "g", "questionnaire-axis")
    # The tables: every marker with its date, label and link; every point; every diary day with its level.
    assert 'id="severity-table-markers"' in html and 'id="severity-table-diary"' in html
    tables = html[html.index('id="severity-table-markers"') :]
    assert tables.count(f'<a href="/patients/{pk}/#video-') == 2
    assert f'<a href="/patients/{pk}/pathway/#symptom-report-{report.pk}">Symptoms returning:' in html
    assert tables.count(f'<a href="/patients/{pk}/#questionnaire-') == 8
    assert tables.count(f'<a href="/patients/{pk}/#diary-') == 42
    today = timezone.localdate()
    assert (
        f'<td><a href="/patients/{pk}/#diary-{today.isoformat()}">{today.day} {today:%b %Y}</a></td><td>none</td>'
        in html
    )
    assert "<td>marked</td>" in html
    assert f"{QUESTIONNAIRE} &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_the_page_and_selector_queries_do_not_grow_with_the_familys_data(
    cast, consultant, client_for, fake_family, scale
):
    services.score_record(  # a year back: every made-up item falls inside the chart's dates
        actor=consultant,
        patient=cast.child_a,
        scale=scale,
        assessed_on=timezone.localdate() - datetime.timedelta(days=400),
        values={"gait": 2},
    )
    client = client_for(consultant)
    client.get(f"/patients/{cast.child_a.pk}/pathway/")  # warm the session and caches
    page_queries = []
    for size in (1, 30):
        SymptomReport.objects.filter(patient=cast.child_a).delete()
        _reports(cast, size)
        fake_family.diary_days = fake_family.videos = fake_family.points = size
        with CaptureQueriesContext(connection) as summary_queries:
            summary = selectors.pathway_summary(patient=cast.child_a)
        assert len(summary_queries) == 16  # the summary's reads, one of them the provider's
        assert len(summary.family.diary) == size and len(summary.family.markers) == 2 * size
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/patients/{cast.child_a.pk}/pathway/")
        assert len(list(ET.fromstring(_svg_text(response)).iter(f"{SVG}a"))) == 3 * size
        page_queries.append(len(queries))
    # The page's count also holds the other apps' timeline sources, so it is compared, not fixed.
    assert page_queries[0] == page_queries[1], page_queries
