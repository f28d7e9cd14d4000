"""The diary on the consultant's severity chart (``carecoord.family_layers``) and the pathway timeline."""

import datetime
from collections.abc import Iterable

from django.urls import reverse

from apps.pathways.models import Specialty
from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient
from carecoord.family_layers import DiaryDay, FamilyLayers
from carecoord.request_memo import shared

from .models import DiaryEntry


def day_url(patient_id: int, day: datetime.date) -> str:
    """The day's row on the staff diary page."""
    return reverse("diary:staff", args=[patient_id]) + f"#day-{day.isoformat()}"


def diary_layers(patient_id: int, start: datetime.date, end: datetime.date) -> FamilyLayers:
    """One band cell per diary day: the worst of unsteadiness, jerks and eye movements (0, 1, 2)."""
    return FamilyLayers(
        diary=[
            DiaryDay(
                day=e.day,
                level=e.level,
                label=f"Family diary {e.day.strftime('%-d %b')}: {e.summary()}",
                url=day_url(patient_id, e.day),
            )
            for e in _entries(patient_id)
            if start <= e.day <= end
        ]
    )


def _entries(patient_id: int) -> list[DiaryEntry]:
    """The child's diary by day, read once per page view for the chart and the timeline."""
    return shared(
        ("diary.entries", patient_id),
        lambda: list(
            DiaryEntry.objects.filter(patient_id=patient_id).select_related("recorded_by").order_by("day")
        ),
    )


def _notable(entry: DiaryEntry) -> bool:
    return entry.level > 0 or entry.unwell or entry.immunisation


@timeline_source("diary")
def diary_entries(patient: Patient) -> Iterable[TimelineEntry]:
    """Days the family noted something (a sign, illness or fever, an immunisation); quiet days stay
    on the diary page, so a year of "all well" does not bury the timeline."""
    for e in _entries(patient.pk):
        if not _notable(e):
            continue
        yield TimelineEntry(
            kind="diary",
            day=e.day,
            at=e.recorded_at,
            actor=e.recorded_by.full_name,
            summary=f"Family diary: {e.summary()}",
            url=day_url(patient.pk, e.day),
            specialty=Specialty.NURSING,
        )
