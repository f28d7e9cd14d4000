"""The pathway timeline leads with what is coming up (nearest first, a few), then the past, most
recent first, so a run of future bookings never pushes recent scores and relapses out of sight."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string

from apps.pathways.timeline import COMING_UP, TimelineEntry, timeline_split

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)


def entry(kind: str, days: int, summary: str, *, hour: int | None = 10) -> TimelineEntry:
    at = (NOW + datetime.timedelta(days=days)).replace(hour=hour) if hour is not None else None
    return TimelineEntry(
        kind=kind,
        day=(NOW + datetime.timedelta(days=days)).date(),
        actor="",
        summary=summary,
        url="#",
        specialty="neurology",
        at=at,
    )


def newest_first(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def test_future_bookings_are_coming_up_nearest_first_and_the_past_is_most_recent_first():
    infusions = [entry("appointment", 7 * n, f"IVIG {n}") for n in range(1, 9)]
    score = entry("score", -2, "Score 8")
    relapse = entry("relapse", -20, "Relapse", hour=None)
    earlier_today = entry("appointment", 0, "Clinic this morning", hour=9)
    view = timeline_split(newest_first([*infusions, score, relapse, earlier_today]), now=NOW)

    assert [e.summary for e in view.coming_up] == [f"IVIG {n}" for n in range(1, COMING_UP + 1)]
    assert [e.summary for e in view.later] == [f"IVIG {n}" for n in range(COMING_UP + 1, 9)]
    assert [e.summary for e in view.past] == ["Clinic this morning", "Score 8", "Relapse"]
    assert len(view) == 11


def test_the_timeline_shows_coming_up_above_the_past():
    view = timeline_split(
        newest_first([entry("appointment", 3, "IVIG infusion"), entry("score", -1, "Score 8")]), now=NOW
    )
    html = render_to_string(
        "pathways/_timeline.html", {"timeline": view, "patient": SimpleNamespace(pk=1), "specialties": []}
    )
    assert html.index("Coming up") < html.index("IVIG infusion") < html.index("most recent first")
    assert html.index("most recent first") < html.index("Score 8")
    empty = render_to_string(
        "pathways/_timeline.html",
        {"timeline": timeline_split([], now=NOW), "patient": SimpleNamespace(pk=1), "specialties": []},
    )
    assert "Nothing recorded yet." in empty and "Coming up" not in empty
