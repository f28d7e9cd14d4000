"""Neuropsychology assessments on the child's pathway timeline (registered when the app is ready): one query."""

from collections.abc import Iterable

from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .selectors import record_assessments


@timeline_source("neuropsychology")
def assessment_entries(patient: Patient) -> Iterable[TimelineEntry]:
    for a in record_assessments(patient):
        yield TimelineEntry(
            kind="neuropsychology",
            day=a.assessed_on,
            at=a.recorded_at,
            actor=a.assessed_by.full_name,
            summary="Neuropsychology assessment recorded, with results and recommendations",
            url=f"/patients/{patient.pk}/neuropsychology/",
            specialty="neuropsychology",
        )
