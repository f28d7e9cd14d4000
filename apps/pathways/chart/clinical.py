"""What clinicians recorded: gridlines and axes, the severity totals, relapses, the outcome point, courses."""

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .frame import (
    BAND_GAP,
    BAND_HEIGHT,
    LEFT,
    PLOT_HEIGHT,
    CourseBand,
    Frame,
    RelapseMarker,
    ScorePoint,
    attrs,
    line,
    month_ticks,
    text,
)

# Colours have at least 3:1 contrast on white; shape and labels carry the meaning too.
LABEL_CHAR_WIDTH = 7.2  # about the width of a bold 12px character
AGENT_COLOURS = ["#005eb8", "#007f3b", "#7c2855", "#ae2573", "#330072", "#8a5300", "#425563"]


def _tick_label(tick: datetime.date, first: datetime.date) -> str:
    return tick.strftime("%b %Y") if tick.month == 1 or tick == first else tick.strftime("%b")


def grid(svg: ET.Element, frame: Frame) -> None:
    """Horizontal gridlines with the totals, and month ticks with their labels."""
    group = ET.SubElement(svg, "g", {"class": "grid", "aria-hidden": "true"})
    for value in range(0, frame.y_max + 1, frame.y_step):
        line(group, LEFT, frame.plot_right, frame.y(value), frame.y(value), "gridline")
        text(group, str(value), x=LEFT - 8, y=frame.y(value) + 4, text_anchor="end", class_="axis-label")
    ticks = month_ticks(frame.start, frame.end)
    for tick in ticks:
        line(group, frame.x(tick), frame.x(tick), frame.axis_y, frame.axis_y + 5, "tick")
        text(
            group,
            _tick_label(tick, ticks[0]),
            x=frame.x(tick),
            y=frame.axis_y + 20,
            text_anchor="middle",
            class_="axis-label",
        )


def axes(svg: ET.Element, frame: Frame) -> None:
    """The time axis, the title of the score axis, and the line marking today."""
    group = ET.SubElement(svg, "g", {"class": "axes", "aria-hidden": "true"})
    line(group, LEFT, frame.plot_right, frame.axis_y, frame.axis_y, "axis")
    middle = frame.plot_top + PLOT_HEIGHT / 2
    text(
        group,
        "Severity score",
        x=14,
        y=middle,
        transform=f"rotate(-90 14 {middle})",
        text_anchor="middle",
        class_="axis-title",
    )
    today_x = frame.x(frame.today)
    line(group, today_x, today_x, frame.plot_top, frame.axis_y, "today")


def relapse_markers(svg: ET.Element, frame: Frame, relapses: Sequence[RelapseMarker]) -> None:
    """A vertical line and a downward triangle at each relapse's onset."""
    markers = ET.SubElement(svg, "g", {"class": "relapses", "aria-hidden": "true"})
    top = frame.plot_top
    for r in relapses:
        rx = frame.x(r.day)
        group = ET.SubElement(
            markers,
            "g",
            attrs(class_="relapse-marker", data_relapse=r.relapse_id, data_date=r.day.isoformat(), data_x=rx),
        )
        ET.SubElement(group, "title").text = f"Relapse on {r.day:%d %b %Y} ({r.severity})"
        line(group, rx, rx, top, frame.axis_y, "relapse-line")
        ET.SubElement(
            group,
            "path",
            {"d": f"M{rx - 7},{top - 2} L{rx + 7},{top - 2} L{rx},{top + 10} Z", "class": "relapse-symbol"},
        )


def score_series(svg: ET.Element, frame: Frame, scores: Sequence[ScorePoint]) -> None:
    """The line through the totals and a titled point for each score (or a note that there are none)."""
    if not scores:
        text(
            svg,
            "No scores recorded yet",
            x=LEFT + frame.plot_width / 2,
            y=frame.plot_top + PLOT_HEIGHT / 2,
            text_anchor="middle",
            class_="empty",
            aria_hidden="true",
        )
        return
    series = ET.SubElement(svg, "g", {"class": "scores", "aria-hidden": "true"})
    points = " ".join(f"{frame.x(s.day)},{frame.y(s.total)}" for s in scores)
    ET.SubElement(series, "polyline", {"points": points, "class": "score-line"})
    for s in scores:
        point = ET.SubElement(
            series,
            "circle",
            attrs(
                cx=frame.x(s.day),
                cy=frame.y(s.total),
                r=5,
                class_="score-point",
                data_date=s.day.isoformat(),
                data_total=s.total,
            ),
        )
        ET.SubElement(point, "title").text = f"{s.day:%d %b %Y}: {s.total} of {s.max_total}"


def partial_scores(svg: ET.Element, frame: Frame, scores: Sequence[ScorePoint]) -> None:
    """Partial totals (items not assessable) are drawn distinctly: a dashed, filled point with a "P"."""
    for s in scores:
        if not s.partial:
            continue
        mark = ET.SubElement(
            svg,
            "g",
            attrs(
                class_="partial-score", data_date=s.day.isoformat(), data_total=s.total, aria_hidden="true"
            ),
        )
        ET.SubElement(
            mark, "title"
        ).text = f"{s.day:%d %b %Y}: {s.total} (partial: some items not assessable)"
        ET.SubElement(
            mark, "circle", attrs(cx=frame.x(s.day), cy=frame.y(s.total), r=6, class_="score-point--partial")
        )
        text(mark, "P", x=frame.x(s.day) + 8, y=frame.y(s.total) - 8, class_="partial-mark")


def outcome_point(svg: ET.Element, frame: Frame, day: datetime.date | None) -> None:
    """The 48-week outcome point (when the European trial judged the outcome), as a labelled dashed line.

    Drawn only when it falls inside the chart's dates; the page states the date in words either way.
    """
    if day is None or not frame.contains(day):
        return
    at_x = frame.x(day)
    group = ET.SubElement(
        svg, "g", attrs(class_="outcome-point", data_date=day.isoformat(), data_x=at_x, aria_hidden="true")
    )
    ET.SubElement(group, "title").text = f"48-week outcome point: {day:%d %b %Y}"
    line(group, at_x, at_x, frame.plot_top, frame.axis_y, "outcome-line")
    near_right = at_x > frame.plot_right - 120  # keep the label inside the chart: put it left of the line
    text(
        group,
        "48-week outcome",
        x=at_x - 4 if near_right else at_x + 4,
        y=frame.plot_top + 28,  # below the relapse markers along the top
        text_anchor="end" if near_right else "start",
        class_="outcome-label",
    )


def _course_band(bands: ET.Element, frame: Frame, row: int, course: CourseBand) -> None:
    top = frame.bands_top + row * (BAND_HEIGHT + BAND_GAP)
    end = course.end or frame.today
    x1, x2 = frame.x(course.start), frame.x(end)
    band = ET.SubElement(
        bands,
        "rect",
        attrs(
            x=x1,
            y=top,
            width=max(x2 - x1, 3),
            height=BAND_HEIGHT,
            fill=AGENT_COLOURS[row % len(AGENT_COLOURS)],
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
    # A label that would run past the plot ends there instead (each course has its own row).
    if x1 + 6 + len(label) * LABEL_CHAR_WIDTH <= frame.plot_right:
        text(bands, label, x=x1 + 6, y=top + BAND_HEIGHT - 5, class_="band-label")
    else:
        text(
            bands,
            label,
            x=frame.plot_right - 6,
            y=top + BAND_HEIGHT - 5,
            text_anchor="end",
            class_="band-label",
        )


def course_bands(svg: ET.Element, frame: Frame, courses: Sequence[CourseBand]) -> None:
    """One row per course below the plot, from its start to its end (or today), labelled."""
    bands = ET.SubElement(svg, "g", {"class": "courses", "aria-hidden": "true"})
    for row, course in enumerate(courses):
        _course_band(bands, frame, row, course)
