"""Family portal tests: two families, two children (the standing cast in tests/conftest.py)."""

import datetime

from django.utils import timezone

from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment

SYMPTOMS_ALL_NO = {
    "unsteady": "no",
    "jerky_movements": "no",
    "eye_movements": "no",
    "sleep": "no",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "no",
}
SYMPTOMS = {**SYMPTOMS_ALL_NO, "unsteady": "a_lot", "sleep": "a_little", "recent_illness": "yes"}


def book_in(staff, patient, days: int, **details) -> Appointment:
    """Book an appointment ``days`` from now (an hour long)."""
    start = timezone.now() + datetime.timedelta(days=days)
    return scheduling.appointment_book(
        actor=staff,
        patient=patient,
        kind=details.pop("kind", Appointment.Kind.NEUROLOGY_CLINIC),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        **details,
    )
