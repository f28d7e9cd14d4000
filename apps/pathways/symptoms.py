"""Family symptom reports on the child's pathway timeline, as possible relapses (registered when the app is ready)."""

from collections.abc import Iterable

from django.utils import timezone

from apps.patients.models import Patient

from .models import Specialty
from .selectors import record_symptom_reports
from .timeline import TimelineEntry, timeline_source


@timeline_source("symptom_reports")
def symptom_report_entries(patient: Patient) -> Iterable[TimelineEntry]:
    for report in record_symptom_reports(patient):
        reviewed = (
            f"; reviewed by {report.reviewed_by.full_name}" if report.reviewed_by else "; not yet reviewed"
        )
        yield TimelineEntry(
            kind="symptoms",
            day=timezone.localdate(report.submitted_at),
            actor=report.reported_by.full_name,
            summary=f"Possible relapse: the family reported {report.summary()}{reviewed}",
            url=f"/patients/{patient.pk}/pathway/#symptom-report-{report.pk}",
            specialty=Specialty.NEUROLOGY,
            at=report.submitted_at,
        )
