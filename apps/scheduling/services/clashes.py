"""Clash guards: an appointment may not double-book the child or the clinician unless overridden with a
reason, and bookings for the same diaries are serialised so two at once cannot both pass the check."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import ApplicationError

from ..models import Appointment


def _overlapping(starts_at: datetime.datetime, ends_at: datetime.datetime) -> Q:
    return Q(status__in=Appointment.ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)


def clashes(
    *,
    patient: Patient,
    clinician: User | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude: list[int] | None = None,
) -> QuerySet[Appointment]:
    """Active appointments of the child, or of the clinician, that overlap this time."""
    who = Q(patient=patient)
    if clinician is not None:
        who |= Q(clinician=clinician)
    found = Appointment.objects.filter(who & _overlapping(starts_at, ends_at)).select_related(
        "patient", "clinician"
    )
    return found.exclude(pk__in=exclude or [])


def _describe(clash: Appointment, patient: Patient) -> str:
    when = timezone.localtime(clash.starts_at)
    whose = "The child" if clash.patient_id == patient.pk else f"{clash.clinician}"
    return f"{whose} already has an appointment ({clash.get_kind_display()}) at {when:%H:%M on %d %b %Y}"


def check_clashes(
    *,
    patient: Patient,
    clinician: User | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    override_reason: str,
    exclude: list[int] | None = None,
) -> None:
    """Refuse a double booking with a message naming what it clashes with, unless overridden with a reason."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    found = list(
        clashes(patient=patient, clinician=clinician, starts_at=starts_at, ends_at=ends_at, exclude=exclude)
    )
    if found and not override_reason.strip():
        message = "; ".join(_describe(c, patient) for c in found) + ". To book anyway, give a reason."
        raise ApplicationError.clash({"starts_at": [message]})


def lock_diaries(patient_id: int, clinician_id: int | None) -> None:
    """Serialise bookings for the same child or clinician, so two at once cannot both pass the clash check.

    Rows are locked in a fixed order (child, then clinician) so two bookings never deadlock.
    """
    Patient.objects.select_for_update().filter(pk=patient_id).first()
    if clinician_id is not None:
        User.objects.select_for_update().filter(pk=clinician_id).first()
