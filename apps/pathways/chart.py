"""Server-rendered SVG: severity total over time, treatment courses as bands, relapses as markers.

Built with ElementTree so every label is escaped and the output parses as XML. The page shows
the same data as a table for screen readers (the SVG is labelled and points to it).
"""

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 760
LEFT, RIGHT, TOP = 56, 20, 20
PLOT_HEIGHT = 200
BAND_HEIGHT, BAND_GAP = 18, 6
AXIS_GAP = 34  # room for the date labels between the plot and the bands

# Colours have at least 3:1 contrast on white; shape and labels carry the meaning too.
_AGENT_COLOURS = ["#005eb8", "#007f3b", "#7c2855", "#ae2573", "#330072", "#8a5300", "#425563"]


@dataclass(frozen=True)
class ScorePoint:
    day: datetime.date
    total: int
    max_total: int


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


def severity_chart_svg(
    *,
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    relapses: Sequence[RelapseMarker],
    today: datetime.date,
    table_id: str = "severity-table",
) -> str:
    start, end = _date_range(scores, courses, relapses, today)
    span = max((end - start).days, 1)
    plot_width = WIDTH - LEFT - RIGHT
    y_step = _y_step(max([s.max_total for s in scores] + [s.total for s in scores] + [1]))
    y_max = -(-max([s.max_total for s in scores] + [s.total for s in scores] + [1]) // y_step) * y_step
    bands_top = TOP + PLOT_HEIGHT + AXIS_GAP
    height = bands_top + max(len(courses), 1) * (BAND_HEIGHT + BAND_GAP) + 10

    def x(day: datetime.date) -> float:
        return round(LEFT + (day - start).days / span * plot_width, 1)

    def y(total: int) -> float:
        return round(TOP + PLOT_HEIGHT - total / y_max * PLOT_HEIGHT, 1)

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "aria-labelledby": "chart-title chart-desc",
            "class": "severity-chart",
            "data-y-max": str(y_max),
        },
    )
    ET.SubElement(svg, "title", {"id": "chart-title"}).text = "Severity score over time"
    ET.SubElement(svg, "desc", {"id": "chart-desc"}).text = (
        f"{len(scores)} scores, {len(courses)} treatment courses and {len(relapses)} relapses. "
        f"Higher scores mean more severe symptoms. The same data is in the table with id {table_id}."
    )

    grid = ET.SubElement(svg, "g", {"class": "grid"})
    for value in range(0, y_max + 1, y_step):
        ET.SubElement(
            grid,
            "line",
            {
                "x1": str(LEFT),
                "x2": str(WIDTH - RIGHT),
                "y1": str(y(value)),
                "y2": str(y(value)),
                "class": "gridline",
            },
        )
        label = ET.SubElement(
            grid,
            "text",
            {"x": str(LEFT - 8), "y": str(y(value) + 4), "text-anchor": "end", "class": "axis-label"},
        )
        label.text = str(value)
    for tick in _ticks(start, end):
        ET.SubElement(
            grid,
            "line",
            {
                "x1": str(x(tick)),
                "x2": str(x(tick)),
                "y1": str(TOP + PLOT_HEIGHT),
                "y2": str(TOP + PLOT_HEIGHT + 5),
                "class": "tick",
            },
        )
        label = ET.SubElement(
            grid,
            "text",
            {
                "x": str(x(tick)),
                "y": str(TOP + PLOT_HEIGHT + 20),
                "text-anchor": "middle",
                "class": "axis-label",
            },
        )
        label.text = (
            tick.strftime("%b %Y")
            if tick.month == 1 or tick == _ticks(start, end)[0]
            else tick.strftime("%b")
        )
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(LEFT),
            "x2": str(WIDTH - RIGHT),
            "y1": str(TOP + PLOT_HEIGHT),
            "y2": str(TOP + PLOT_HEIGHT),
            "class": "axis",
        },
    )
    ET.SubElement(
        svg,
        "text",
        {
            "x": "14",
            "y": str(TOP + PLOT_HEIGHT / 2),
            "transform": f"rotate(-90 14 {TOP + PLOT_HEIGHT / 2})",
            "text-anchor": "middle",
            "class": "axis-title",
        },
    ).text = "Total score"
    today_x = x(today)
    ET.SubElement(
        svg,
        "line",
        {
            "x1": str(today_x),
            "x2": str(today_x),
            "y1": str(TOP),
            "y2": str(TOP + PLOT_HEIGHT),
            "class": "today",
        },
    )

    markers = ET.SubElement(svg, "g", {"class": "relapses"})
    for r in relapses:
        rx = x(r.day)
        group = ET.SubElement(
            markers,
            "g",
            {
                "class": "relapse-marker",
                "data-relapse": str(r.relapse_id),
                "data-date": r.day.isoformat(),
                "data-x": str(rx),
            },
        )
        ET.SubElement(group, "title").text = f"Relapse on {r.day:%d %b %Y} ({r.severity})"
        ET.SubElement(
            group,
            "line",
            {
                "x1": str(rx),
                "x2": str(rx),
                "y1": str(TOP),
                "y2": str(TOP + PLOT_HEIGHT),
                "class": "relapse-line",
            },
        )
        ET.SubElement(
            group,
            "path",
            {"d": f"M{rx - 7},{TOP - 2} L{rx + 7},{TOP - 2} L{rx},{TOP + 10} Z", "class": "relapse-symbol"},
        )

    if scores:
        series = ET.SubElement(svg, "g", {"class": "scores"})
        ET.SubElement(
            series,
            "polyline",
            {"points": " ".join(f"{x(s.day)},{y(s.total)}" for s in scores), "class": "score-line"},
        )
        for s in scores:
            point = ET.SubElement(
                series,
                "circle",
                {
                    "cx": str(x(s.day)),
                    "cy": str(y(s.total)),
                    "r": "5",
                    "class": "score-point",
                    "data-date": s.day.isoformat(),
                    "data-total": str(s.total),
                },
            )
            ET.SubElement(point, "title").text = f"{s.day:%d %b %Y}: {s.total} of {s.max_total}"
    else:
        ET.SubElement(
            svg,
            "text",
            {
                "x": str(LEFT + plot_width / 2),
                "y": str(TOP + PLOT_HEIGHT / 2),
                "text-anchor": "middle",
                "class": "empty",
            },
        ).text = "No scores recorded yet"

    bands = ET.SubElement(svg, "g", {"class": "courses"})
    for row, course in enumerate(courses):
        top = bands_top + row * (BAND_HEIGHT + BAND_GAP)
        x1 = x(course.start)
        x2 = x(course.end or today)
        colour = _AGENT_COLOURS[row % len(_AGENT_COLOURS)]
        band = ET.SubElement(
            bands,
            "rect",
            {
                "x": str(x1),
                "y": str(top),
                "width": str(max(x2 - x1, 3)),
                "height": str(BAND_HEIGHT),
                "fill": colour,
                "class": f"course-band course-{course.status}",
                "data-course": str(course.course_id),
                "data-start": course.start.isoformat(),
                "data-end": (course.end or today).isoformat(),
                "rx": "3",
            },
        )
        ET.SubElement(
            band, "title"
        ).text = f"{course.label}: {course.start:%d %b %Y} to {f'{course.end:%d %b %Y}' if course.end else 'now'} ({course.status})"
        label = ET.SubElement(
            bands,
            "text",
            {
                "x": str(min(x1 + 6, WIDTH - RIGHT - 6)),
                "y": str(top + BAND_HEIGHT - 5),
                "class": "band-label",
            },
        )
        label.text = course.label if course.end else f"{course.label} ({course.status})"
    return ET.tostring(svg, encoding="unicode")
