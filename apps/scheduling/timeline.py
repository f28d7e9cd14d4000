"""Appointments on the child's pathway timeline (registered when the app is ready)."""

from collections.abc import Iterable

from django.utils import timezone

from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .models import Appointment

# The specialty an appointment belongs to, for the timeline filter.
_SPECIALTY = {
    "neurology_clinic": "neurology",
    "oncology_clinic": "oncology",
    "surgical_preassessment": "surgery",
    "surgery": "surgery",
    "infusion": "neurology",
    "mri": "neurology",
    "mibg": "oncology",
    "lumbar_puncture": "neurology",
    "neuropsychology": "neuropsychology",
    "psychology": "psychology",
    "therapy_slt": "therapies",
    "therapy_ot": "therapies",
    "therapy_physio": "therapies",
    "nurse_phone": "nursing",
    "nurse_video": "nursing",
}


@timeline_source("appointments")
def appointment_entries(patient: Patient) -> Iterable[TimelineEntry]:
    for a in Appointment.objects.filter(patient=patient).select_related("clinician"):
        yield TimelineEntry(
            kind="appointment",
            day=timezone.localdate(a.starts_at),
            actor=a.clinician.full_name if a.clinician else "",
            summary=f"{a.get_kind_display()} ({a.get_status_display().lower()})",
            url=f"/patients/{patient.pk}/appointments/#appointment-{a.pk}",
            specialty=_SPECIALTY.get(a.kind, "neurology"),
            at=a.starts_at,
        )
