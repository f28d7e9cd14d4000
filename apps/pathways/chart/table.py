"""The family's data on the chart as rows for the tables beside it (the chart's text alternative)."""

import datetime
from dataclasses import dataclass, field

from carecoord.family_layers import FamilyLayers

from .family import diary_level, kind_label


@dataclass(frozen=True)
class Row:
    day: datetime.date
    what: str  # the diary level, the kind of item, or the questionnaire's name
    detail: str  # the item's label, or "12 of 30" for a questionnaire score
    url: str


@dataclass(frozen=True)
class FamilyTable:
    diary: list[Row] = field(default_factory=list)
    markers: list[Row] = field(default_factory=list)
    points: list[Row] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.diary or self.markers or self.points)


def family_table(layers: FamilyLayers) -> FamilyTable:
    """Each kind oldest first, as the chart reads left to right."""
    return FamilyTable(
        diary=[
            Row(d.day, diary_level(d.level), d.label, d.url)
            for d in sorted(layers.diary, key=lambda d: d.day)
        ],
        markers=[
            Row(m.day, kind_label(m.kind), m.label, m.url)
            for m in sorted(layers.markers, key=lambda m: (m.day, m.kind))
        ],
        points=[
            Row(p.day, p.series, f"{p.value:g} of {p.max_value:g}", p.url)
            for p in sorted(layers.points, key=lambda p: (p.series, p.day))
        ],
    )
