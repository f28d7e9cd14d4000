"""Scheduling reads, scoped through access.py."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient

from .models import Appointment, ReviewDue, ReviewPolicy, TreatmentSeries
from .services.reviews import review_candidates


def appointments_of(*, user: AnyUser, patient: Patient) -> QuerySet[Appointment]:
    """A child's appointments. Families see only family-visible ones (and templates never show internal notes)."""
    appointments = Appointment.objects.filter(patient=patient).select_related("team", "clinician", "series")
    if roles.is_family(user):
        appointments = appointments.filter(family_visible=True)
    return appointments.order_by("starts_at")


def appointments_visible_to(user: AnyUser) -> QuerySet[Appointment]:
    """Appointments of children the user may see (staff) or is a guardian of (family, family-visible only)."""
    visible = Appointment.objects.filter(patient__in=access.visible_patients(user))
    if roles.is_family(user):
        visible = visible.filter(family_visible=True)
    return visible


def appointment_get(*, user: AnyUser, pk: int) -> Appointment:
    return get_object_or_404(
        appointments_visible_to(user).select_related("patient", "team", "clinician", "series", "referral"),
        pk=pk,
    )


def _local_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


def clinic_list(
    *, user: AnyUser, day: datetime.date, clinician_id: int | None = None, team_id: int | None = None
) -> QuerySet[Appointment]:
    """A day's appointments for one clinician or one team, children the user may see only."""
    start, end = _local_day(day)
    appointments = Appointment.objects.filter(
        patient__in=access.visible_patients(user), starts_at__gte=start, starts_at__lt=end
    )
    if team_id is not None:
        appointments = appointments.filter(team_id=team_id)
    else:
        appointments = appointments.filter(clinician_id=clinician_id or getattr(user, "pk", None))
    return appointments.select_related("patient", "team", "clinician").order_by("starts_at")


def series_of(*, patient: Patient) -> QuerySet[TreatmentSeries]:
    return (
        TreatmentSeries.objects.filter(patient=patient)
        .prefetch_related("appointments")
        .order_by("-created_at")
    )


def series_get(*, user: AnyUser, pk: int) -> TreatmentSeries:
    """A series of a child the user may see; 404 otherwise. Out of scope is decided here, before any role
    check: the caller then refuses a family (series are for staff) with a 403."""
    series = TreatmentSeries.objects.filter(patient__in=access.visible_patients(user))
    return get_object_or_404(series.select_related("patient", "course"), pk=pk)


def next_appointment(patient: Patient) -> Appointment | None:
    return (
        Appointment.objects.filter(
            patient=patient, status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )


@dataclass(frozen=True)
class OverdueReview:
    patient: Patient
    policy: ReviewPolicy
    due_on: datetime.date

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.due_on).days


def overdue_reviews(*, user: AnyUser, today: datetime.date | None = None) -> list[OverdueReview]:
    """Children past their review date with no assessment booked, among those the user may see."""
    today = today or timezone.localdate()
    visible = set(access.clinical_record_patients(user).values_list("pk", flat=True))
    rows = []
    for policy in ReviewPolicy.objects.filter(is_active=True).select_related("target_team"):
        past_due = [(p, due) for p, due in review_candidates(policy) if due < today and p.pk in visible]
        # A review opened and never completed stays on the report, whatever became of its referral.
        listed = {p.pk for p, _ in past_due}
        still_due = (
            ReviewDue.objects.still_due()
            .filter(policy=policy, due_on__lt=today, patient_id__in=visible)
            .exclude(patient_id__in=listed)
            .select_related("patient")
            .order_by("due_on")
        )
        for review in still_due:
            if review.patient_id not in listed:  # the earliest one per child
                listed.add(review.patient_id)
                past_due.append((review.patient, review.due_on))
        booked = set(
            Appointment.objects.filter(
                Q(patient__in=[p for p, _ in past_due]),
                kind=policy.appointment_kind,
                status__in=Appointment.ACTIVE_STATUSES,
                starts_at__gte=timezone.now(),
            ).values_list("patient_id", flat=True)
        )
        rows += [OverdueReview(p, policy, due) for p, due in past_due if p.pk not in booked]
    return sorted(rows, key=lambda r: r.due_on)
