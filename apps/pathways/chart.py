"""Server-rendered SVG: severity total over time, treatment courses as bands, relapses as markers.

Built with ElementTree so every label is escaped and the output parses as XML. The page shows
the same data as a table for screen readers (the SVG is labelled and points to it).
"""

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .selectors import PathwaySummary

WIDTH = 760
LEFT, RIGHT, TOP = 56, 20, 20
PLOT_HEIGHT = 200
PLOT_WIDTH = WIDTH - LEFT - RIGHT
BAND_HEIGHT, BAND_GAP = 18, 6
AXIS_GAP = 34  # room for the date labels between the plot and the bands

# Colours have at least 3:1 contrast on white; shape and labels carry the meaning too.
_AGENT_COLOURS = ["#005eb8", "#007f3b", "#7c2855", "#ae2573", "#330072", "#8a5300", "#425563"]


@dataclass(frozen=True)
class ScorePoint:
    day: datetime.date
    total: int
    max_total: int
    partial: bool = False  # some items were not assessable, so the total is not comparable (HAZ-12)


@dataclass(frozen=True)
class CourseBand:
    course_id: int
    label: str
    start: datetime.date
    end: datetime.date | None  # None: still running
    status: str


@dataclass(frozen=True)
class RelapseMarker:
    relapse_id: int
    day: datetime.date
    severity: str


def _date_range(
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    relapses: Sequence[RelapseMarker],
    today: datetime.date,
) -> tuple[datetime.date, datetime.date]:
    days = [s.day for s in scores] + [c.start for c in courses] + [r.day for r in relapses]
    days += [c.end for c in courses if c.end]
    start = min(days, default=today - datetime.timedelta(days=365))
    end = max([*days, today])
    if (end - start).days < 60:
        start = end - datetime.timedelta(days=60)
    pad = datetime.timedelta(days=max(7, (end - start).days // 40))
    return start - pad, end + pad


def _ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First-of-month ticks, thinned to at most about eight."""
    months = []
    cursor = datetime.date(start.year, start.month, 1)
    while cursor <= end:
        if cursor >= start:
            months.append(cursor)
        cursor = datetime.date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 8))
    return months[::step]


def _y_step(y_max: int) -> int:
    """A round gridline step giving at most six intervals."""
    for step in (1, 2, 3, 5, 10, 20, 25, 50, 100):
        if y_max / step <= 6:
            return step
    return -(-y_max // 6)


@dataclass(frozen=True)
class _Frame:
    """The chart's geometry: the dates and totals it spans, and where they land in the SVG."""

    start: datetime.date
    end: datetime.date
    today: datetime.date
    y_step: int
    y_max: int
    bands_top: int
    height: int

    @property
    def span(self) -> int:
        return max((self.end - self.start).days, 1)

    @property
    def axis_y(self) -> int:
        return TOP + PLOT_HEIGHT

    def x(self, day: datetime.date) -> float:
        return round(LEFT + (day - self.start).days / self.span * PLOT_WIDTH, 1)

    def y(self, total: int) -> float:
        return round(TOP + PLOT_HEIGHT - total / self.y_max * PLOT_HEIGHT, 1)


def _frame(
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    relapses: Sequence[RelapseMarker],
    today: datetime.date,
) -> _Frame:
    start, end = _date_range(scores, courses, relapses, today)
    highest = max([s.max_total for s in scores] + [s.total for s in scores] + [1])
    y_step = _y_step(highest)
    bands_top = TOP + PLOT_HEIGHT + AXIS_GAP
    return _Frame(
        start=start,
        end=end,
        today=today,
        y_step=y_step,
        y_max=-(-highest // y_step) * y_step,
        bands_top=bands_top,
        height=bands_top + max(len(courses), 1) * (BAND_HEIGHT + BAND_GAP) + 10,
    )


def _attrs(**values: object) -> dict[str, str]:
    """SVG attributes in the order given, every value as text: ``data_x`` is ``data-x``, ``class_`` is ``class``."""
    return {name.rstrip("_").replace("_", "-"): str(value) for name, value in values.items()}


def _line(parent: ET.Element, x1: object, x2: object, y1: object, y2: object, cls: str) -> ET.Element:
    return ET.SubElement(parent, "line", _attrs(x1=x1, x2=x2, y1=y1, y2=y2, class_=cls))


def _text(parent: ET.Element, text: str, **attrs: object) -> ET.Element:
    element = ET.SubElement(parent, "text", _attrs(**attrs))
    element.text = text
    return element


def _accessible_text(svg: ET.Element, counts: tuple[int, int, int], table_id: str, id_prefix: str) -> None:
    """The chart's accessible name and description, pointing to the table with the same data."""
    scores, courses, relapses = counts
    ET.SubElement(svg, "title", {"id": f"{id_prefix}-title"}).text = "Severity score over time"
    ET.SubElement(svg, "desc", {"id": f"{id_prefix}-desc"}).text = (
        f"{scores} scores, {courses} treatment courses and {relapses} relapses. "
        f"Higher scores mean more severe symptoms. The same data is in the table with id {table_id}."
    )


def _tick_label(tick: datetime.date, first: datetime.date) -> str:
    return tick.strftime("%b %Y") if tick.month == 1 or tick == first else tick.strftime("%b")


def _grid(svg: ET.Element, frame: _Frame) -> None:
    """Horizontal gridlines with the totals, and month ticks with their labels."""
    grid = ET.SubElement(svg, "g", {"class": "grid"})
    for value in range(0, frame.y_max + 1, frame.y_step):
        _line(grid, LEFT, WIDTH - RIGHT, frame.y(value), frame.y(value), "gridline")
        _text(grid, str(value), x=LEFT - 8, y=frame.y(value) + 4, text_anchor="end", class_="axis-label")
    ticks = _ticks(frame.start, frame.end)
    for tick in ticks:
        _line(grid, frame.x(tick), frame.x(tick), frame.axis_y, frame.axis_y + 5, "tick")
        _text(
            grid,
            _tick_label(tick, ticks[0]),
            x=frame.x(tick),
            y=frame.axis_y + 20,
            text_anchor="middle",
            class_="axis-label",
        )


def _axes(svg: ET.Element, frame: _Frame) -> None:
    """The time axis, the title of the score axis, and the line marking today."""
    _line(svg, LEFT, WIDTH - RIGHT, frame.axis_y, frame.axis_y, "axis")
    middle = TOP + PLOT_HEIGHT / 2
    _text(
        svg,
        "Total score",
        x=14,
        y=middle,
        transform=f"rotate(-90 14 {middle})",
        text_anchor="middle",
        class_="axis-title",
    )
    today_x = frame.x(frame.today)
    _line(svg, today_x, today_x, TOP, frame.axis_y, "today")


def _relapse_markers(svg: ET.Element, frame: _Frame, relapses: Sequence[RelapseMarker]) -> None:
    """A vertical line and a downward triangle at each relapse's onset."""
    markers = ET.SubElement(svg, "g", {"class": "relapses"})
    for r in relapses:
        rx = frame.x(r.day)
        group = ET.SubElement(
            markers,
            "g",
            _attrs(
                class_="relapse-marker", data_relapse=r.relapse_id, data_date=r.day.isoformat(), data_x=rx
            ),
        )
        ET.SubElement(group, "title").text = f"Relapse on {r.day:%d %b %Y} ({r.severity})"
        _line(group, rx, rx, TOP, frame.axis_y, "relapse-line")
        ET.SubElement(
            group,
            "path",
            {"d": f"M{rx - 7},{TOP - 2} L{rx + 7},{TOP - 2} L{rx},{TOP + 10} Z", "class": "relapse-symbol"},
        )


def _score_series(svg: ET.Element, frame: _Frame, scores: Sequence[ScorePoint]) -> None:
    """The line through the totals and a titled point for each score (or a note that there are none)."""
    if not scores:
        _text(
            svg,
            "No scores recorded yet",
            x=LEFT + PLOT_WIDTH / 2,
            y=TOP + PLOT_HEIGHT / 2,
            text_anchor="middle",
            class_="empty",
        )
        return
    series = ET.SubElement(svg, "g", {"class": "scores"})
    points = " ".join(f"{frame.x(s.day)},{frame.y(s.total)}" for s in scores)
    ET.SubElement(series, "polyline", {"points": points, "class": "score-line"})
    for s in scores:
        point = ET.SubElement(
            series,
            "circle",
            _attrs(
                cx=frame.x(s.day),
                cy=frame.y(s.total),
                r=5,
                class_="score-point",
                data_date=s.day.isoformat(),
                data_total=s.total,
            ),
        )
        ET.SubElement(point, "title").text = f"{s.day:%d %b %Y}: {s.total} of {s.max_total}"


def _course_band(bands: ET.Element, frame: _Frame, row: int, course: CourseBand) -> None:
    top = frame.bands_top + row * (BAND_HEIGHT + BAND_GAP)
    end = course.end or frame.today
    x1, x2 = frame.x(course.start), frame.x(end)
    band = ET.SubElement(
        bands,
        "rect",
        _attrs(
            x=x1,
            y=top,
            width=max(x2 - x1, 3),
            height=BAND_HEIGHT,
            fill=_AGENT_COLOURS[row % len(_AGENT_COLOURS)],
            class_=f"course-band course-{course.status}",
            data_course=course.course_id,
            data_start=course.start.isoformat(),
            data_end=end.isoformat(),
            rx=3,
        ),
    )
    until = f"{course.end:%d %b %Y}" if course.end else "now"
    ET.SubElement(
        band, "title"
    ).text = f"{course.label}: {course.start:%d %b %Y} to {until} ({course.status})"
    label = course.label if course.end else f"{course.label} ({course.status})"
    _text(bands, label, x=min(x1 + 6, WIDTH - RIGHT - 6), y=top + BAND_HEIGHT - 5, class_="band-label")


def _course_bands(svg: ET.Element, frame: _Frame, courses: Sequence[CourseBand]) -> None:
    """One row per course below the plot, from its start to its end (or today), labelled."""
    bands = ET.SubElement(svg, "g", {"class": "courses"})
    for row, course in enumerate(courses):
        _course_band(bands, frame, row, course)


def severity_chart_svg(
    *,
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    relapses: Sequence[RelapseMarker],
    today: datetime.date,
    table_id: str = "severity-table",
    id_prefix: str = "chart",
    outcome_day: datetime.date | None = None,
) -> str:
    """The chart as SVG text. ``id_prefix`` keeps ids unique when a page shows several charts."""
    frame = _frame(scores, courses, relapses, today)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {frame.height}",
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "class": "severity-chart",
            "data-y-max": str(frame.y_max),
        },
    )
    _accessible_text(svg, (len(scores), len(courses), len(relapses)), table_id, id_prefix)
    _grid(svg, frame)
    _axes(svg, frame)
    _relapse_markers(svg, frame, relapses)
    _score_series(svg, frame, scores)
    _partial_scores(svg, frame, scores)
    _outcome_point(svg, frame, outcome_day)
    _course_bands(svg, frame, courses)
    return ET.tostring(svg, encoding="unicode")


def summary_chart_svg(
    summary: "PathwaySummary",
    *,
    today: datetime.date,
    table_id: str = "severity-table",
    id_prefix: str = "chart",
) -> str:
    """The severity chart of a pathway summary (the review page's, and the MDT shared screen's)."""
    return severity_chart_svg(
        scores=[
            ScorePoint(s.assessed_on, s.total, s.max_total, s.not_assessable_items > 0)  # type: ignore[attr-defined]
            for s in summary.scores
        ],
        courses=[
            CourseBand(c.pk, c.label, c.start_date, c.ended_on, c.get_status_display().lower())
            for c in summary.courses
        ],
        relapses=[
            RelapseMarker(r.pk, r.onset_date, r.get_severity_display().lower()) for r in summary.relapses
        ],
        today=today,
        table_id=table_id,
        id_prefix=id_prefix,
        outcome_day=summary.outcome_day,
    )


def _partial_scores(svg: ET.Element, frame: _Frame, scores: Sequence[ScorePoint]) -> None:
    """Partial totals (items not assessable) are drawn distinctly: a dashed, filled point with a "P"."""
    for s in scores:
        if not s.partial:
            continue
        mark = ET.SubElement(
            svg, "g", _attrs(class_="partial-score", data_date=s.day.isoformat(), data_total=s.total)
        )
        ET.SubElement(
            mark, "title"
        ).text = f"{s.day:%d %b %Y}: {s.total} (partial: some items not assessable)"
        ET.SubElement(
            mark, "circle", _attrs(cx=frame.x(s.day), cy=frame.y(s.total), r=6, class_="score-point--partial")
        )
        _text(mark, "P", x=frame.x(s.day) + 8, y=frame.y(s.total) - 8, class_="partial-mark")


def _outcome_point(svg: ET.Element, frame: _Frame, day: datetime.date | None) -> None:
    """The 48-week outcome point (when the European trial judged the outcome), as a labelled dashed line.

    Drawn only when it falls inside the chart's dates; the page states the date in words either way.
    """
    if day is None or not frame.start <= day <= frame.end:
        return
    at_x = frame.x(day)
    group = ET.SubElement(svg, "g", _attrs(class_="outcome-point", data_date=day.isoformat(), data_x=at_x))
    ET.SubElement(group, "title").text = f"48-week outcome point: {day:%d %b %Y}"
    _line(group, at_x, at_x, TOP, frame.axis_y, "outcome-line")
    near_right = at_x > WIDTH - RIGHT - 120  # keep the label inside the chart: put it left of the line
    _text(
        group,
        "48-week outcome",
        x=at_x - 4 if near_right else at_x + 4,
        y=TOP + 28,  # below the relapse markers along the top
        text_anchor="end" if near_right else "start",
        class_="outcome-label",
    )
