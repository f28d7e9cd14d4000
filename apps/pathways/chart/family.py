"""What the family sent, on the clinician's time axis: markers above the plot, a questionnaire series on
its own right-hand axis, the diary as a band below the courses, and the legend.

Every report, video and questionnaire score is a link (``<a href>``, focusable, titled) that opens the
item. Meaning never rests on colour alone: markers differ in shape, the questionnaire line is dashed
with square points, and a diary day's level is its height as well as its shade.
"""

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from carecoord.family_layers import DiaryDay, FamilyMarker, FamilyPoint

from .frame import (
    DIARY_HEIGHT,
    LEFT,
    LEGEND_LINE,
    MARKER_LANE,
    PLOT_HEIGHT,
    RIGHT,
    WIDTH,
    Frame,
    attrs,
    line,
    text,
)

KIND_LABELS = {"symptom_report": "Symptom report", "video": "Video from the family"}
DIARY_LEVELS = ("none", "mild", "marked")
DIARY_HEIGHTS = (4, 10, DIARY_HEIGHT)
# One colour and dash pattern per questionnaire series (3:1 contrast or better on white).
SERIES_STYLES = [("#8a5300", "7 4"), ("#330072", "2 3"), ("#425563", "10 3 2 3")]
LEGEND_LABEL_CHARS = 60  # a longer series name is shortened in the legend (the table has it in full)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def diary_level(level: int) -> str:
    """ "none", "mild" or "marked"; a level out of range is shown as the nearest one."""
    return DIARY_LEVELS[min(max(level, 0), len(DIARY_LEVELS) - 1)]


def _slug(kind: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in kind.lower())


def series_names(points: Sequence[FamilyPoint]) -> list[str]:
    """Each series once, in the order it first appears."""
    return list(dict.fromkeys(p.series for p in points))


def marker_shape(parent: ET.Element, kind: str, cx: float, cy: float, size: float = 7) -> None:
    """A diamond for a symptom report, a play button for a video, a circle for anything else."""
    s = size
    if kind == "symptom_report":
        d = f"M{cx},{cy - s} L{cx + s},{cy} L{cx},{cy + s} L{cx - s},{cy} Z"
        ET.SubElement(parent, "path", {"d": d, "class": "marker-shape"})
    elif kind == "video":
        ET.SubElement(
            parent,
            "rect",
            attrs(x=cx - s, y=cy - s * 0.8, width=2 * s, height=1.6 * s, rx=2, class_="marker-shape"),
        )
        play = f"M{cx - s * 0.3},{cy - s * 0.45} L{cx + s * 0.45},{cy} L{cx - s * 0.3},{cy + s * 0.45} Z"
        ET.SubElement(parent, "path", {"d": play, "class": "marker-play"})
    else:
        ET.SubElement(parent, "circle", attrs(cx=cx, cy=cy, r=s * 0.85, class_="marker-shape"))


def _link(parent: ET.Element, url: str, title: str, **values: object) -> ET.Element:
    """A focusable link in the SVG whose accessible name is its title."""
    link = ET.SubElement(parent, "a", attrs(href=url, **values))
    ET.SubElement(link, "title").text = title
    return link


def marker_title(marker: FamilyMarker) -> str:
    return f"{kind_label(marker.kind)}, {marker.day:%d %b %Y}: {marker.label}"


def family_markers(
    svg: ET.Element, frame: Frame, markers: Sequence[FamilyMarker], lanes: Sequence[int]
) -> None:
    """One linked shape per report or video, in lanes just above the plot, at its date."""
    if not markers:
        return
    group = ET.SubElement(svg, "g", {"class": "family-markers"})
    text(
        group,
        "Family",
        x=LEFT - 8,
        y=8 + frame.lanes * MARKER_LANE / 2 + 4,
        text_anchor="end",
        class_="row-label",
        aria_hidden="true",
    )
    for marker, lane in zip(markers, lanes, strict=True):
        # The first lane is nearest the plot; crowded markers stack upwards from it.
        cx, cy = frame.x(marker.day), 8 + (frame.lanes - 1 - lane) * MARKER_LANE + MARKER_LANE / 2
        link = _link(
            group,
            marker.url,
            marker_title(marker),
            class_=f"family-marker marker-{_slug(marker.kind)}",
            data_kind=marker.kind,
            data_date=marker.day.isoformat(),
            data_x=cx,
        )
        ET.SubElement(link, "circle", attrs(cx=cx, cy=cy, r=10, class_="focus-ring"))
        marker_shape(link, marker.kind, cx, cy)


def questionnaire_axis(svg: ET.Element, frame: Frame) -> None:
    """The right-hand axis, numbered to the questionnaire's maximum at the severity gridlines."""
    if not frame.q_step:
        return
    group = ET.SubElement(svg, "g", {"class": "questionnaire-axis", "aria-hidden": "true"})
    x = frame.plot_right
    line(group, x, x, frame.plot_top, frame.axis_y, "axis-right")
    for value in range(0, frame.q_max + 1, frame.q_step):
        y = frame.qy(value)
        line(group, x, x + 4, y, y, "tick-right")
        text(group, str(value), x=x + 7, y=y + 4, class_="axis-label axis-label--right")
    middle = frame.plot_top + PLOT_HEIGHT / 2
    title_x = WIDTH - 10
    text(
        group,
        "Questionnaire score",
        x=title_x,
        y=middle,
        transform=f"rotate(90 {title_x} {middle})",
        text_anchor="middle",
        class_="axis-title axis-title--right",
    )


def point_title(point: FamilyPoint) -> str:
    return f"{point.series}, {point.day:%d %b %Y}: {point.value:g} of {point.max_value:g}"


def questionnaire_series(svg: ET.Element, frame: Frame, points: Sequence[FamilyPoint]) -> None:
    """Each series as a dashed line through linked square points, on the right-hand axis."""
    for index, name in enumerate(series_names(points)):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        mine = sorted((p for p in points if p.series == name), key=lambda p: p.day)
        group = ET.SubElement(svg, "g", attrs(class_="questionnaire-series", data_series=name))
        at = [(frame.x(p.day), frame.qy(min(max(p.value, 0), frame.q_max))) for p in mine]
        ET.SubElement(
            group,
            "polyline",
            attrs(
                points=" ".join(f"{x},{y}" for x, y in at),
                class_="questionnaire-line",
                stroke=colour,
                stroke_dasharray=dash,
                aria_hidden="true",
            ),
        )
        for point, (x, y) in zip(mine, at, strict=True):
            link = _link(
                group,
                point.url,
                point_title(point),
                class_="questionnaire-point",
                data_date=point.day.isoformat(),
                data_value=f"{point.value:g}",
            )
            ET.SubElement(link, "circle", attrs(cx=x, cy=y, r=9, class_="focus-ring"))
            ET.SubElement(
                link, "rect", attrs(x=x - 4.5, y=y - 4.5, width=9, height=9, stroke=colour, class_="q-square")
            )


def diary_title(day: DiaryDay) -> str:
    return f"Diary, {day.day:%d %b %Y}: {diary_level(day.level)}" + (f" ({day.label})" if day.label else "")


def diary_band(svg: ET.Element, frame: Frame, diary: Sequence[DiaryDay]) -> None:
    """One cell per diary day, as wide as a day; taller and darker for mild, tallest for marked.

    A day with no entry has no cell, so "not filled in" never looks like "no symptoms".
    """
    if not diary:
        return
    group = ET.SubElement(svg, "g", {"class": "diary", "aria-hidden": "true"})
    bottom = frame.diary_top + DIARY_HEIGHT
    text(group, "Diary", x=LEFT - 8, y=bottom - 4, text_anchor="end", class_="row-label")
    line(group, LEFT, frame.plot_right, bottom + 0.5, bottom + 0.5, "diary-baseline")
    one_day = datetime.timedelta(days=1)
    for day in diary:
        x1, x2 = frame.x(day.day), frame.x(day.day + one_day)
        width = x2 - x1 - (0.6 if x2 - x1 > 3 else 0)  # a hairline between wide cells
        level = DIARY_LEVELS.index(diary_level(day.level))
        height = DIARY_HEIGHTS[level]
        cell = ET.SubElement(
            group,
            "rect",
            attrs(
                x=x1,
                y=bottom - height,
                width=round(max(width, 0.8), 2),
                height=height,
                class_=f"diary-day diary-level-{level}",
                data_date=day.day.isoformat(),
                data_level=level,
            ),
        )
        ET.SubElement(cell, "title").text = diary_title(day)


@dataclass(frozen=True)
class LegendItem:
    symbol: str  # "score", "series", "relapse", "marker", "diary", or "" for a text-only lead-in
    label: str
    detail: str | int = ""  # the marker kind, the series index or the diary level
    x: float = 0
    row: int = 0


def _width(item: LegendItem) -> float:
    return (26 if item.symbol else 0) + len(item.label) * 6.6 + 16


def legend_items(
    *, scores: bool, series: Sequence[str], relapses: bool, kinds: Sequence[str], diary: bool
) -> list[LegendItem]:
    """What the legend explains, laid out in rows across the chart's width."""
    wanted = [LegendItem("score", "Severity score")] if scores else []
    for index, name in enumerate(series):
        short = name if len(name) <= LEGEND_LABEL_CHARS else name[: LEGEND_LABEL_CHARS - 1] + "…"
        wanted.append(LegendItem("series", short, index))
    if relapses:
        wanted.append(LegendItem("relapse", "Relapse"))
    wanted += [LegendItem("marker", kind_label(kind), kind) for kind in kinds]
    if diary:
        wanted.append(LegendItem("", "Diary:"))
        wanted += [LegendItem("diary", word, level) for level, word in enumerate(DIARY_LEVELS)]
    placed, x, row = [], float(LEFT), 0
    for item in wanted:
        if x + _width(item) > WIDTH - RIGHT and x > LEFT:
            x, row = float(LEFT), row + 1
        placed.append(LegendItem(item.symbol, item.label, item.detail, x, row))
        x += _width(item)
    return placed


def _legend_symbol(parent: ET.Element, item: LegendItem, x: float, y: float) -> None:
    if item.symbol == "score":
        line(parent, x, x + 20, y, y, "score-line")
        ET.SubElement(parent, "circle", attrs(cx=x + 10, cy=y, r=4, class_="score-point"))
    elif item.symbol == "series":
        colour, dash = SERIES_STYLES[int(item.detail) % len(SERIES_STYLES)]
        ET.SubElement(
            parent,
            "line",
            attrs(
                x1=x, x2=x + 20, y1=y, y2=y, stroke=colour, stroke_dasharray=dash, class_="questionnaire-line"
            ),
        )
        ET.SubElement(
            parent, "rect", attrs(x=x + 6, y=y - 4, width=8, height=8, stroke=colour, class_="q-square")
        )
    elif item.symbol == "relapse":
        ET.SubElement(
            parent,
            "path",
            {"d": f"M{x + 4},{y - 5} L{x + 16},{y - 5} L{x + 10},{y + 5} Z", "class": "relapse-symbol"},
        )
    elif item.symbol == "marker":
        group = ET.SubElement(parent, "g", {"class": f"marker-{_slug(str(item.detail))}"})
        marker_shape(group, str(item.detail), x + 10, y, size=6)
    elif item.symbol == "diary":
        level = int(item.detail)
        height = DIARY_HEIGHTS[level] * 0.7
        ET.SubElement(
            parent,
            "rect",
            attrs(
                x=x + 4, y=y + 6 - height, width=12, height=height, class_=f"diary-swatch diary-level-{level}"
            ),
        )


def legend(svg: ET.Element, frame: Frame, items: Sequence[LegendItem]) -> None:
    if not items:
        return
    group = ET.SubElement(svg, "g", {"class": "legend", "aria-hidden": "true"})
    for item in items:
        y = frame.legend_top + item.row * LEGEND_LINE + LEGEND_LINE / 2
        _legend_symbol(group, item, item.x, y)
        text(group, item.label, x=item.x + (26 if item.symbol else 0), y=y + 4, class_="legend-label")
