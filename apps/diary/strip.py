"""The staff's compact strip: the family's diary over weeks, drawn as server-side SVG.

One column per day, one row per sign. Each cell shows the day's level by height and colour together
(none: a low pale bar, mild: half height amber, marked: full height red), so colour is never the
only cue; a day without an entry is an empty outline. The SVG has a title and a description in
words, and the page lists every entry in a table below it (the text alternative, with the details).
"""

import datetime
from dataclasses import dataclass

from .models import Illness, Level, Mood, NightWaking
from .selectors import DiaryPeriod

CELL, GAP, ROW, LABEL_WIDTH, TOP = 11, 3, 20, 104, 6
FILL = {0: "#b7d3bf", 1: "#d68a00", 2: "#b3261e"}
HEIGHT = {0: 4, 1: 9, 2: 15}

# Each row: its label and how it reads a 0/1/2 level from an entry.
ROWS: list[tuple[str, str]] = [
    ("Unsteadiness", "unsteadiness"),
    ("Jerks", "jerks"),
    ("Eye movements", "eye_movements"),
    ("Night waking", "night_waking"),
    ("Mood", "mood"),
    ("Rages", "rage_episodes"),
    ("Unwell or fever", "illness"),
    ("Immunisation", "immunisation"),
]
_WAKING = {NightWaking.NONE: 0, NightWaking.ONCE: 1, NightWaking.SEVERAL: 2}
_MOOD = {Mood.GOOD: 0, Mood.MIXED: 1, Mood.DIFFICULT: 2}
_ILLNESS = {Illness.NONE: 0, Illness.UNWELL: 1, Illness.FEVER: 2}


def row_level(entry: object, field: str) -> int:
    value = getattr(entry, field)
    if field == "night_waking":
        return _WAKING[value]
    if field == "mood":
        return _MOOD[value]
    if field == "illness":
        return _ILLNESS[value]
    if field == "rage_episodes":
        return 0 if value == 0 else (1 if value == 1 else 2)
    if field == "immunisation":
        return 2 if value else 0
    return int(value)


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    height: int
    fill: str
    empty: bool


@dataclass(frozen=True)
class Tick:
    x: int
    label: str


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    rows: list[tuple[str, int]]  # label, text baseline y
    cells: list[Cell]
    ticks: list[Tick]  # each Monday
    axis_y: int
    description: str
    entries: int
    days: int


def strip_draw(period: DiaryPeriod) -> Strip:
    by_day = {entry.day: entry for entry in period.entries}
    cells, ticks = [], []
    for index in range(period.days):
        day = period.start + datetime.timedelta(days=index)
        x = LABEL_WIDTH + index * (CELL + GAP)
        if day.weekday() == 0:
            ticks.append(Tick(x, day.strftime("%-d %b")))
        entry = by_day.get(day)
        for row, (_, field) in enumerate(ROWS):
            bottom = TOP + row * ROW + 16
            if entry is None:
                cells.append(Cell(x, bottom - HEIGHT[2], HEIGHT[2], "none", True))
                continue
            level = row_level(entry, field)
            cells.append(Cell(x, bottom - HEIGHT[level], HEIGHT[level], FILL[level], False))
    axis_y = TOP + len(ROWS) * ROW + 12
    return Strip(
        width=LABEL_WIDTH + period.days * (CELL + GAP) + 32,  # room for the last Monday label
        height=axis_y + 8,
        rows=[(label, TOP + row * ROW + 14) for row, (label, _) in enumerate(ROWS)],
        cells=cells,
        ticks=ticks,
        axis_y=axis_y,
        description=describe(period),
        entries=len(period.entries),
        days=period.days,
    )


def _days(days: list[datetime.date]) -> str:
    return ", ".join(d.strftime("%-d %b") for d in sorted(days))


def describe(period: DiaryPeriod) -> str:
    """The strip in words: how many days have an entry, and the days that stand out."""
    entries = period.entries
    since = period.start.strftime("%-d %B %Y")
    text = f"{len(entries)} diary entries in the {period.days} days since {since}."
    if not entries:
        return text + " The family has not filled in the diary in this time."
    marked = [e.day for e in entries if e.level == Level.MARKED]
    mild = [e.day for e in entries if e.level == Level.MILD]
    unwell = [e.day for e in entries if e.unwell]
    jabs = [e.day for e in entries if e.immunisation]
    parts = [
        f"Marked movement signs on {_days(marked)}." if marked else "No marked movement signs.",
        f"Mild signs on {len(mild)} day{'s' if len(mild) != 1 else ''}." if mild else "",
        f"Unwell or fever on {_days(unwell)}." if unwell else "",
        f"Immunisation on {_days(jabs)}." if jabs else "",
    ]
    return " ".join([text, *(p for p in parts if p)])
