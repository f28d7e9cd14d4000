"""Questionnaire responses on the child's pathway timeline (registered when the app is ready): one query."""

from collections.abc import Iterable

from django.utils import timezone

from apps.pathways.models import Specialty
from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .selectors import record_responses
from .services import staff_response_url


@timeline_source("questionnaire_responses")
def questionnaire_entries(patient: Patient) -> Iterable[TimelineEntry]:
    for r in record_responses(patient.pk):
        change = "" if r.change is None else f", {r.change:+d} from the previous response"
        yield TimelineEntry(
            kind="questionnaire",
            day=timezone.localdate(r.authored_at),
            at=r.authored_at,
            actor=r.author.full_name,
            summary=f"The family answered {r.version.questionnaire.title}: {r.total_score} of {r.max_score}{change}",
            url=staff_response_url(r),
            specialty=Specialty.NEUROLOGY,
        )
