"""Server-rendered SVG: severity total over time, treatment courses as bands, relapses as markers, and
what the family sent (diary, reports and videos, questionnaire scores) on the same time axis.

Built with ElementTree so every label is escaped and the output parses as XML. The page shows the
same data as tables for screen readers (the SVG is labelled and points to them). The drawing is
hidden from assistive technology except its links, which open the family's items.
"""

import dataclasses
import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from carecoord.family_layers import FamilyLayers

from . import clinical, family
from .frame import (
    WIDTH,
    CourseBand,
    Extent,
    Frame,
    RelapseMarker,
    ScorePoint,
    chart_range,
    frame_for,
    marker_lanes,
)

if TYPE_CHECKING:
    from ..selectors import PathwaySummary

__all__ = [
    "CourseBand",
    "RelapseMarker",
    "ScorePoint",
    "chart_range",
    "in_span",
    "severity_chart_svg",
    "summary_chart_svg",
]


def _accessible_text(
    svg: ET.Element, counts: tuple[int, int, int], layers: FamilyLayers, table_id: str, id_prefix: str
) -> None:
    """The chart's accessible name and description, pointing to the tables with the same data."""
    scores, courses, relapses = counts
    ET.SubElement(svg, "title", {"id": f"{id_prefix}-title"}).text = "Severity score over time"
    description = (
        f"{scores} scores, {courses} treatment courses and {relapses} relapses. "
        "Higher scores mean more severe symptoms. "
    )
    if layers.markers or layers.points or layers.diary:
        description += (
            f"From the family: {len(layers.diary)} diary days, {len(layers.markers)} reports and videos, "
            f"and {len(layers.points)} questionnaire scores on a second axis at the right; "
            "each report, video and questionnaire score is a link that opens it. "
            f"The same data is in the table with id {table_id} and the family's tables after it."
        )
    else:
        description += f"The same data is in the table with id {table_id}."
    ET.SubElement(svg, "desc", {"id": f"{id_prefix}-desc"}).text = description


def in_span(layers: FamilyLayers, start: datetime.date, end: datetime.date) -> FamilyLayers:
    """The family's items inside the chart's dates, each kind in date order."""

    def inside(day: datetime.date) -> bool:
        return start <= day <= end

    return FamilyLayers(
        markers=sorted((m for m in layers.markers if inside(m.day)), key=lambda m: (m.day, m.kind)),
        points=sorted((p for p in layers.points if inside(p.day)), key=lambda p: p.day),
        diary=sorted((d for d in layers.diary if inside(d.day)), key=lambda d: d.day),
    )


def _frame(
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    span: tuple[datetime.date, datetime.date],
    today: datetime.date,
    layers: FamilyLayers,
    legend_rows: int,
) -> tuple[Frame, list[int]]:
    """The geometry, in two steps: the markers' lanes depend on where their dates land."""
    extent = Extent(
        highest_score=max([s.max_total for s in scores] + [s.total for s in scores] + [1]),
        courses=len(courses),
        questionnaire_max=max([p.max_value for p in layers.points] + [p.value for p in layers.points] + [0]),
        diary=bool(layers.diary),
        legend_lines=legend_rows,
    )
    flat = frame_for(span, today, extent)
    lanes = marker_lanes([flat.x(m.day) for m in layers.markers])
    if not lanes:
        return flat, lanes
    return frame_for(span, today, dataclasses.replace(extent, lanes=max(lanes) + 1)), lanes


def severity_chart_svg(
    *,
    scores: Sequence[ScorePoint],
    courses: Sequence[CourseBand],
    relapses: Sequence[RelapseMarker],
    today: datetime.date,
    table_id: str = "severity-table",
    id_prefix: str = "chart",
    outcome_day: datetime.date | None = None,
    family_layers: FamilyLayers | None = None,
    span: tuple[datetime.date, datetime.date] | None = None,
) -> str:
    """The chart as SVG text. ``id_prefix`` keeps ids unique when a page shows several charts.

    ``span`` is the dates the chart covers (the selector's, so the family data asked for it fits);
    without it the chart spans its own clinical dates and the family's.
    """
    given = family_layers or FamilyLayers()
    if span is None:
        days = [s.day for s in scores] + [c.start for c in courses] + [c.end for c in courses if c.end]
        days += [r.day for r in relapses]
        days += [m.day for m in given.markers] + [p.day for p in given.points] + [d.day for d in given.diary]
        span = chart_range(days, today)
    layers = in_span(given, *span)
    has_family = bool(layers.markers or layers.points or layers.diary)
    legend = (
        family.legend_items(
            scores=bool(scores),
            series=family.series_names(layers.points),
            relapses=bool(relapses),
            kinds=list(dict.fromkeys(m.kind for m in layers.markers)),
            diary=bool(layers.diary),
        )
        if has_family
        else []
    )
    frame, lanes = _frame(scores, courses, span, today, layers, max((i.row for i in legend), default=-1) + 1)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {frame.height}",
            # Links inside an image would be hidden from assistive technology: a chart with links is a group.
            "role": "group" if layers.markers or layers.points else "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "class": "severity-chart",
            "data-y-max": str(frame.y_max),
        },
    )
    if frame.q_step:
        svg.set("data-q-max", str(frame.q_max))
    _accessible_text(svg, (len(scores), len(courses), len(relapses)), layers, table_id, id_prefix)
    clinical.grid(svg, frame)
    clinical.axes(svg, frame)
    family.questionnaire_axis(svg, frame)
    clinical.relapse_markers(svg, frame, relapses)
    clinical.score_series(svg, frame, scores)
    clinical.partial_scores(svg, frame, scores)
    clinical.outcome_point(svg, frame, outcome_day)
    family.questionnaire_series(svg, frame, layers.points)
    family.family_markers(svg, frame, layers.markers, lanes)
    clinical.course_bands(svg, frame, courses)
    family.diary_band(svg, frame, layers.diary)
    family.legend(svg, frame, legend)
    return ET.tostring(svg, encoding="unicode")


def summary_chart_svg(
    summary: "PathwaySummary",
    *,
    today: datetime.date,
    table_id: str = "severity-table",
    id_prefix: str = "chart",
) -> str:
    """The severity chart of a pathway summary (the review page's, and the MDT shared screen's), with
    the family's data the summary fetched for its dates."""
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
        family_layers=summary.family,
        span=summary.chart_span,
    )
