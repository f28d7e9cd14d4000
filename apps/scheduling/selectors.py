"""Scheduling reads, scoped through access.py."""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient

from .models import Appointment, ReviewPolicy, ReviewSchedule, TreatmentSeries


def appointments_of(*, user: AnyUser, patient: Patient) -> QuerySet[Appointment]:
    """A child's appointments. Families see only family-visible ones (and templates never show internal notes)."""
    appointments = Appointment.objects.filter(patient=patient).select_related("team", "clinician", "series")
    if roles.is_family(user):
        appointments = appointments.filter(family_visible=True)
    return appointments.order_by("starts_at")


def appointments_visible_to(user: AnyUser) -> QuerySet[Appointment]:
    """Appointments of children the user may see (staff) or is a guardian of (family, family-visible only)."""
    visible = Appointment.objects.filter(patient__in=access.visible_patient_ids(user))
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
        patient__in=access.visible_patient_ids(user), starts_at__gte=start, starts_at__lt=end
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
    series = TreatmentSeries.objects.filter(patient__in=access.visible_patient_ids(user))
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


class OverdueReviews(Sequence[OverdueReview]):
    """The overdue report as a lazy sequence over its query: ``count()`` and slices run in SQL, so a
    paginator (the page's or the API's) reads only the rows it shows."""

    def __init__(self, rows: QuerySet[ReviewSchedule]) -> None:
        self.rows = rows

    def count(self) -> int:  # type: ignore[override]  # Paginator's count(), not Sequence.count(value)
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> OverdueReview: ...
    @overload
    def __getitem__(self, index: slice) -> list[OverdueReview]: ...
    def __getitem__(self, index: int | slice) -> OverdueReview | list[OverdueReview]:
        if isinstance(index, slice):
            return [self._row(row) for row in self.rows[index]]
        return self._row(self.rows[index])

    def __iter__(self) -> Iterator[OverdueReview]:
        return (self._row(row) for row in self.rows)

    @staticmethod
    def _row(row: ReviewSchedule) -> OverdueReview:
        return OverdueReview(row.patient, row.policy, row.overdue_since)  # type: ignore[attr-defined]


def overdue_reviews(*, user: AnyUser, today: datetime.date | None = None) -> OverdueReviews:
    """Children past their review date with no assessment booked, among those the user may see, most
    overdue first. Read from the stored dates (ReviewSchedule) through their indexes, never computed
    per request: the date shown is the next due date when that has passed, else the earliest review
    opened and not completed (it stays on the report whatever became of its referral)."""
    today = today or timezone.localdate()
    booked = Appointment.objects.filter(
        patient=OuterRef("patient"),
        kind=OuterRef("policy__appointment_kind"),
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__gte=timezone.now(),
    )
    rows = (
        ReviewSchedule.objects.filter(
            Q(due_on__lt=today) | Q(still_due_on__lt=today),
            patient__in=access.clinical_record_patient_ids(user),
            policy__is_active=True,
        )
        .exclude(Exists(booked))
        .annotate(
            overdue_since=Case(When(due_on__lt=today, then=F("due_on")), default=F("still_due_on")),
        )
        .select_related("patient", "policy__target_team")
        .order_by("overdue_since", "pk")
    )
    return OverdueReviews(rows)
