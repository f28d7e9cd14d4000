"""Family-reported data on the clinician's severity chart: the hook the family-data apps register with.

The chart is drawn by pathways (``apps/pathways/chart.py``), but the diary, questionnaires and videos
live in apps that stand on pathways, which pathways may not import. Each of those apps registers one
provider at startup (``AppConfig.ready``); the chart's selector asks every provider for one child and
one date range, and draws what comes back on the same time axis as scores, courses and relapses.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FamilyMarker:
    """One dated item the family sent (a symptom report, a video): a marker that opens the item."""

    kind: str  # "symptom_report", "video", ...: drawn with its own shape
    day: datetime.date
    label: str  # plain words, used as the marker's title and in the text table
    url: str


@dataclass(frozen=True)
class FamilyPoint:
    """One scored answer in a series other than the severity score (a questionnaire's total)."""

    series: str  # the series' label, e.g. "Behaviour and sleep questionnaire (demo)"
    day: datetime.date
    value: float
    max_value: float
    url: str


@dataclass(frozen=True)
class DiaryDay:
    """One day of the family's diary for the compact band: 0 none, 1 mild, 2 marked."""

    day: datetime.date
    level: int
    label: str
    url: str


@dataclass(frozen=True)
class FamilyLayers:
    markers: list[FamilyMarker] = field(default_factory=list)
    points: list[FamilyPoint] = field(default_factory=list)
    diary: list[DiaryDay] = field(default_factory=list)

    def __add__(self, other: "FamilyLayers") -> "FamilyLayers":
        return FamilyLayers(
            self.markers + other.markers, self.points + other.points, self.diary + other.diary
        )


Provider = Callable[[int, datetime.date, datetime.date], FamilyLayers]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Called once at startup by each app that keeps family-reported data."""
    if provider not in _providers:
        _providers.append(provider)


def family_layers(patient_id: int, start: datetime.date, end: datetime.date) -> FamilyLayers:
    """Everything the providers hold for one child between ``start`` and ``end`` (inclusive)."""
    layers = FamilyLayers()
    for provider in _providers:
        layers = layers + provider(patient_id, start, end)
    return layers
