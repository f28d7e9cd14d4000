"""Reads for the diary. The child comes from ``visible_patients`` first (the caller's 404); each read
here is one query, whatever the number of days."""

import datetime
from dataclasses import dataclass

from .models import DiaryEntry

STRIP_WEEKS = 8  # the staff strip's span
FAMILY_DAYS_SHOWN = 14  # the family's list of previous days


def entry_on(patient_id: int, day: datetime.date) -> DiaryEntry | None:
    return DiaryEntry.objects.filter(patient_id=patient_id, day=day).first()


def entries_between(patient_id: int, start: datetime.date, end: datetime.date) -> list[DiaryEntry]:
    """The child's entries from ``start`` to ``end`` (inclusive), most recent first."""
    return list(DiaryEntry.objects.filter(patient_id=patient_id, day__gte=start, day__lte=end))


def previous_entry(patient_id: int, before: datetime.date) -> DiaryEntry | None:
    """The child's latest entry on a day before ``before`` (however long ago)."""
    return DiaryEntry.objects.filter(patient_id=patient_id, day__lt=before).order_by("-day").first()


def recent_entries(patient_id: int, today: datetime.date, days: int = FAMILY_DAYS_SHOWN) -> list[DiaryEntry]:
    """The family's previous days: the entries before today, newest first, over ``days`` days."""
    start = today - datetime.timedelta(days=days)
    return list(DiaryEntry.objects.filter(patient_id=patient_id, day__gte=start, day__lt=today))


@dataclass(frozen=True)
class DiaryPeriod:
    start: datetime.date  # a Monday
    end: datetime.date  # today
    entries: list[DiaryEntry]  # newest first

    @property
    def has_notes(self) -> bool:
        return any(entry.note for entry in self.entries)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def strip_period(patient_id: int, today: datetime.date, weeks: int = STRIP_WEEKS) -> DiaryPeriod:
    """The staff strip's weeks: from the Monday ``weeks - 1`` weeks before this one, to today."""
    monday = today - datetime.timedelta(days=today.weekday())
    start = monday - datetime.timedelta(weeks=weeks - 1)
    return DiaryPeriod(start, today, entries_between(patient_id, start, today))
