"""Shared helpers for the scheduling tests: London wall-clock times and a one-line booking."""

import datetime
import zoneinfo

from apps.accounts.models import User
from apps.patients.models import Patient
from apps.scheduling import services
from apps.scheduling.models import Appointment

LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """An aware Europe/London wall-clock time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def book(
    actor: User,
    patient: Patient,
    starts_at: datetime.datetime,
    *,
    minutes: int = 60,
    kind: str = Appointment.Kind.NEUROLOGY_CLINIC,
    **details: object,
) -> Appointment:
    return services.appointment_book(
        actor=actor,
        patient=patient,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        **details,
    )
