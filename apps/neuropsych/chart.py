"""Server-rendered SVG: each domain's result band over time, one small panel per domain.

Built with ElementTree so every label is escaped. The page shows the same data as a table (the SVG
is labelled and points to it); shape and the text labels carry the meaning as well as colour.
"""

import datetime
import xml.etree.ElementTree as ET

from .models import Band
from .selectors import DomainRow

WIDTH = 640
LEFT, RIGHT, TOP = 150, 24, 10
PANEL, GAP = 56, 26
AXIS = 26
COLOUR = "#005eb8"


def _x(day: datetime.date, start: datetime.date, end: datetime.date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span


def _y(band: int, top: float) -> float:
    return top + PANEL - (band - 1) * PANEL / (len(Band) - 1)


def _text(parent: ET.Element, x: float, y: float, label: str, **attrs: str) -> None:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": "12", **attrs})
    element.text = label


def _panel(svg: ET.Element, row: DomainRow, top: float, start: datetime.date, end: datetime.date) -> None:
    _text(svg, 8, top + PANEL / 2 + 4, row.label, **{"font-weight": "600", "fill": "#212b32"})
    for band in (1, 3, 5):
        y = _y(band, top)
        ET.SubElement(
            svg,
            "line",
            {
                "x1": str(LEFT),
                "x2": str(WIDTH - RIGHT),
                "y1": f"{y:.1f}",
                "y2": f"{y:.1f}",
                "stroke": "#d8dde0",
                "stroke-width": "1",
            },
        )
    _text(
        svg, LEFT - 6, _y(5, top) + 4, "above", **{"text-anchor": "end", "fill": "#4c6272", "font-size": "10"}
    )
    _text(
        svg,
        LEFT - 6,
        _y(1, top) + 4,
        "well below",
        **{"text-anchor": "end", "fill": "#4c6272", "font-size": "10"},
    )
    points = [(_x(day, start, end), _y(band, top), label, day) for day, band, label in row.points]
    if len(points) > 1:
        ET.SubElement(
            svg,
            "polyline",
            {
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points),
                "fill": "none",
                "stroke": COLOUR,
                "stroke-width": "2",
            },
        )
    for x, y, label, day in points:
        dot = ET.SubElement(svg, "circle", {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "5", "fill": COLOUR})
        ET.SubElement(dot, "title").text = f"{row.label}, {day:%d %b %Y}: {label}"


def domains_chart_svg(rows: list[DomainRow], *, table_id: str = "neuropsych-table") -> str:
    """The chart as an SVG string ("" when nothing is recorded)."""
    if not rows:
        return ""
    days = sorted({day for row in rows for day, _, _ in row.points})
    start, end = days[0], days[-1]
    if start == end:  # one assessment: centre it
        start, end = start - datetime.timedelta(days=180), end + datetime.timedelta(days=180)
    height = TOP + len(rows) * (PANEL + GAP) + AXIS
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {height}",
            "class": "chart",
            "role": "img",
            "aria-labelledby": "neuropsych-chart-title",
            "aria-describedby": table_id,
        },
    )
    ET.SubElement(
        svg, "title", {"id": "neuropsych-chart-title"}
    ).text = "Neuropsychology results by domain over time; the table below has the same data."
    for index, row in enumerate(rows):
        _panel(svg, row, TOP + index * (PANEL + GAP), start, end)
    axis_y = TOP + len(rows) * (PANEL + GAP) + 4
    for day in days:
        x = _x(day, start, end)
        # Keep the end labels inside the picture: anchored to the side they sit on.
        anchor = "end" if x > WIDTH - RIGHT - 30 else "start" if x < LEFT + 30 else "middle"
        _text(svg, x, axis_y + 12, f"{day:%b %Y}", **{"text-anchor": anchor, "fill": "#4c6272"})
    return ET.tostring(svg, encoding="unicode")
