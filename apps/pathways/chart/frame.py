"""The severity chart's data and geometry: the dates and values it spans, and where they land in the SVG.

Top to bottom: the family's markers (a row per lane, only when there are markers), the plot (severity
on the left axis, a questionnaire series on the right axis when there is one), the month labels, one
band per treatment course, the family's diary band, and the legend.
"""

import datetime
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WIDTH = 760
LEFT, RIGHT = 56, 20
RIGHT_WITH_AXIS = 56  # room for the questionnaire axis' numbers and title
TOP = 20  # above the plot when there are no markers: room for the relapse triangles
PLOT_HEIGHT = 200
BAND_HEIGHT, BAND_GAP = 18, 6
AXIS_GAP = 34  # room for the date labels between the plot and the bands
MARKER_LANE = 20  # one row of family markers above the plot
MARKER_SPACING = 14  # markers closer than this go into the next lane
MAX_LANES = 3  # beyond this, close markers overlap (each is still a link and a table row)
DIARY_HEIGHT = 18
LEGEND_LINE = 22


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


def chart_range(days: Iterable[datetime.date], today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dates the chart spans: every clinical date and today, at least 60 days, with a margin.

    The pathway selector computes this before it asks the family-data providers for the same dates.
    """
    days = list(days)
    start = min(days, default=today - datetime.timedelta(days=365))
    end = max([*days, today])
    if (end - start).days < 60:
        start = end - datetime.timedelta(days=60)
    pad = datetime.timedelta(days=max(7, (end - start).days // 40))
    return start - pad, end + pad


def month_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """First-of-month ticks, thinned to at most about eight."""
    months = []
    cursor = datetime.date(start.year, start.month, 1)
    while cursor <= end:
        if cursor >= start:
            months.append(cursor)
        cursor = datetime.date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 8))
    return months[::step]


def y_step(y_max: int) -> int:
    """A round gridline step giving at most six intervals."""
    for step in (1, 2, 3, 5, 10, 20, 25, 50, 100):
        if y_max / step <= 6:
            return step
    return -(-y_max // 6)


def marker_lanes(xs: Sequence[float]) -> list[int]:
    """A lane for each marker (in date order): the first lane whose last marker is far enough left."""
    ends: list[float] = []
    lanes = []
    for x in xs:
        lane = next((i for i, end in enumerate(ends) if x - end >= MARKER_SPACING), None)
        if lane is None and len(ends) < MAX_LANES:
            lane = len(ends)
            ends.append(x)
        elif lane is None:  # every lane is crowded here: overlap in the one that ended furthest left
            lane = min(range(len(ends)), key=lambda i: ends[i])
        ends[lane] = x
        lanes.append(lane)
    return lanes


@dataclass(frozen=True)
class Frame:
    """Where dates and values land. Built by ``frame_for``; the drawing functions only read it."""

    start: datetime.date
    end: datetime.date
    today: datetime.date
    y_step: int
    y_max: int
    right: int
    q_step: int  # the questionnaire axis (0 when there is no questionnaire series)
    q_max: int
    lanes: int
    plot_top: int
    bands_top: int
    diary_top: int
    legend_top: int
    height: int

    @property
    def span(self) -> int:
        return max((self.end - self.start).days, 1)

    @property
    def plot_right(self) -> int:
        return WIDTH - self.right

    @property
    def plot_width(self) -> int:
        return WIDTH - LEFT - self.right

    @property
    def axis_y(self) -> int:
        return self.plot_top + PLOT_HEIGHT

    def x(self, day: datetime.date) -> float:
        return round(LEFT + (day - self.start).days / self.span * self.plot_width, 1)

    def y(self, total: float) -> float:
        return round(self.plot_top + PLOT_HEIGHT - total / self.y_max * PLOT_HEIGHT, 1)

    def qy(self, value: float) -> float:
        """Height of a questionnaire score on the right-hand axis."""
        return round(self.plot_top + PLOT_HEIGHT - value / max(self.q_max, 1) * PLOT_HEIGHT, 1)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Extent:
    """What the chart has to make room for, besides the dates."""

    highest_score: int
    courses: int
    questionnaire_max: float = 0  # 0: no questionnaire series, so no right-hand axis
    lanes: int = 0
    diary: bool = False
    legend_lines: int = 0


def frame_for(span: tuple[datetime.date, datetime.date], today: datetime.date, extent: Extent) -> Frame:
    step = y_step(extent.highest_score)
    y_max = -(-extent.highest_score // step) * step
    # The questionnaire axis shares the severity gridlines: as many intervals, each a whole number.
    intervals = y_max // step if y_max // step >= 2 else 4
    q_step = math.ceil(extent.questionnaire_max / intervals) if extent.questionnaire_max > 0 else 0
    plot_top = 8 + extent.lanes * MARKER_LANE + 8 if extent.lanes else TOP
    bands_top = plot_top + PLOT_HEIGHT + AXIS_GAP
    diary_top = bands_top + max(extent.courses, 1) * (BAND_HEIGHT + BAND_GAP)
    legend_top = diary_top + (DIARY_HEIGHT + BAND_GAP + 4 if extent.diary else 0)
    height = legend_top + extent.legend_lines * LEGEND_LINE + (4 if extent.legend_lines else 0) + 10
    return Frame(
        start=span[0],
        end=span[1],
        today=today,
        y_step=step,
        y_max=y_max,
        right=RIGHT_WITH_AXIS if q_step else RIGHT,
        q_step=q_step,
        q_max=q_step * intervals,
        lanes=extent.lanes,
        plot_top=plot_top,
        bands_top=bands_top,
        diary_top=diary_top,
        legend_top=legend_top,
        height=height,
    )


def attrs(**values: object) -> dict[str, str]:
    """SVG attributes in the order given, every value as text: ``data_x`` is ``data-x``, ``class_`` is ``class``."""
    return {name.rstrip("_").replace("_", "-"): str(value) for name, value in values.items()}


def line(parent: ET.Element, x1: object, x2: object, y1: object, y2: object, cls: str) -> ET.Element:
    return ET.SubElement(parent, "line", attrs(x1=x1, x2=x2, y1=y1, y2=y2, class_=cls))


def text(parent: ET.Element, content: str, **values: object) -> ET.Element:
    element = ET.SubElement(parent, "text", attrs(**values))
    element.text = content
    return element
