"""Review policies as data: when a child is next due (e.g. neuropsychology), computed from its inputs.

The daily job that opens them is services/review_jobs.py; the stored dates, services/review_schedule.py.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.pathways.models import DiagnosticAssessment, SpecialtyTrack
from apps.patients.models import Patient

from ..models import Appointment, ReviewDue, ReviewOverride, ReviewPolicy
from .school_years import school_retest_due


def next_due(
    *,
    policy: ReviewPolicy,
    diagnosis_date: datetime.date | None,
    last_completed: datetime.date | None,
    override_months: int | None = None,
    date_of_birth: datetime.date | None = None,
    today: datetime.date | None = None,
) -> datetime.date | None:
    """Baseline within N months of diagnosis; then every N months (or the child's own interval) after the last one.

    A policy with school re-test years brings the date forward to the start of such a year (year 6,
    say) when the child has not been assessed in the year before it.
    """
    due = None
    if last_completed is not None:
        due = last_completed + relativedelta(months=override_months or policy.interval_months)
    elif diagnosis_date is not None:
        due = diagnosis_date + relativedelta(months=policy.baseline_within_months)
    if due is not None and policy.school_retest_years:
        school_due = school_retest_due(
            school_years=policy.school_retest_years,
            date_of_birth=date_of_birth,
            last_completed=last_completed,
            today=today or timezone.localdate(),
        )
        due = min(due, school_due) if school_due else due
    return due


def _annotated(policy: ReviewPolicy, patients: QuerySet[Patient]) -> Any:  # annotated: see the fields
    """The children the policy applies to (active, not discharged from its specialty), with the inputs
    of their next due date: the last attended assessment, the last one recorded by hand, the diagnosis
    date and the child's own interval."""
    last = (
        Appointment.objects.filter(
            patient=OuterRef("pk"), kind=policy.appointment_kind, status=Appointment.Status.ATTENDED
        )
        .values("patient")
        .annotate(m=Max("starts_at"))
        .values("m")
    )
    # One Exists, so both conditions apply to the same track (an exclude() across the relation would
    # leave out a child discharged from any specialty who merely has this one's track).
    discharged = SpecialtyTrack.objects.filter(
        patient=OuterRef("pk"), specialty=policy.target_team.code, stage=SpecialtyTrack.Stage.DISCHARGED
    )
    return (
        patients.filter(status=Patient.Status.ACTIVE)
        .exclude(Exists(discharged))
        .annotate(
            last_review=Subquery(last),
            last_recorded=Subquery(  # an assessment recorded by hand (done elsewhere) counts too
                ReviewDue.objects.filter(patient=OuterRef("pk"), policy=policy, completed_on__isnull=False)
                .values("patient")
                .annotate(m=Max("completed_on"))
                .values("m")
            ),
            diagnosed_on=Subquery(
                DiagnosticAssessment.objects.filter(patient=OuterRef("pk")).values("diagnosis_date")[:1]
            ),
            override_months=Subquery(
                ReviewOverride.objects.filter(patient=OuterRef("pk"), policy=policy).values(
                    "interval_months"
                )[:1]
            ),
        )
        .filter(Q(last_review__isnull=False) | Q(last_recorded__isnull=False) | Q(diagnosed_on__isnull=False))
    )


def _due_from(
    policy: ReviewPolicy,
    last_review: datetime.datetime | None,
    recorded: datetime.date | None,
    diagnosed_on: datetime.date | None,
    override_months: int | None,
    date_of_birth: datetime.date | None,
) -> datetime.date | None:
    attended = timezone.localdate(last_review) if last_review else None
    return next_due(
        policy=policy,
        diagnosis_date=diagnosed_on,
        last_completed=max(d for d in (attended, recorded) if d) if attended or recorded else None,
        override_months=override_months,
        date_of_birth=date_of_birth,
    )


def review_candidates(policy: ReviewPolicy) -> list[tuple[Patient, datetime.date]]:
    """Every active child the policy applies to, with their next due date, computed afresh in one query.

    A child discharged from the policy's specialty is left out. The stored ReviewSchedule rows hold the
    same dates (tests compare the two); this is the computation they are checked against and built from.
    """
    rows: list[tuple[Patient, datetime.date]] = []
    for patient in _annotated(policy, Patient.objects.select_related("named_nurse")):
        due = _due_from(
            policy,
            patient.last_review,
            patient.last_recorded,
            patient.diagnosed_on,
            patient.override_months,
            patient.date_of_birth,
        )
        if due is not None:
            rows.append((patient, due))
    return rows


def fresh_due_dates(
    policy: ReviewPolicy, patient_ids: Iterable[int] | None = None
) -> dict[int, datetime.date]:
    """``review_candidates`` as {child id: due date}, for some children or all, for the stored dates.

    Written apart from ``review_candidates`` on purpose: five grouped scans instead of correlated
    subqueries per child, so the daily repair reads 100,000 children in about a second; the tests
    check the two agree.
    """
    ids = None if patient_ids is None else list(patient_ids)

    def only(queryset: QuerySet[Any], field: str = "patient_id") -> QuerySet[Any]:
        return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})

    discharged = SpecialtyTrack.objects.filter(
        patient=OuterRef("pk"), specialty=policy.target_team.code, stage=SpecialtyTrack.Stage.DISCHARGED
    )
    applies = dict(  # child id: date of birth (school re-test years follow age)
        only(Patient.objects.filter(status=Patient.Status.ACTIVE), "pk")
        .exclude(Exists(discharged))
        .values_list("pk", "date_of_birth")
    )
    attended = (
        only(Appointment.objects.filter(kind=policy.appointment_kind, status=Appointment.Status.ATTENDED))
        .values_list("patient_id")
        .annotate(m=Max("starts_at"))
    )
    recorded = (
        only(ReviewDue.objects.filter(policy=policy, completed_on__isnull=False))
        .values_list("patient_id")
        .annotate(m=Max("completed_on"))
    )
    diagnosed = only(DiagnosticAssessment.objects.filter(diagnosis_date__isnull=False)).values_list(
        "patient_id", "diagnosis_date"
    )
    own = dict(
        only(ReviewOverride.objects.filter(policy=policy)).values_list("patient_id", "interval_months")
    )
    last_review = {p: m for p, m in attended.iterator(chunk_size=5000) if p in applies}
    last_recorded = {p: m for p, m in recorded.iterator(chunk_size=5000) if p in applies}
    diagnoses = {p: d for p, d in diagnosed.iterator(chunk_size=5000) if p in applies}
    dues = {}
    for pk in last_review.keys() | last_recorded.keys() | diagnoses.keys():
        due = _due_from(
            policy, last_review.get(pk), last_recorded.get(pk), diagnoses.get(pk), own.get(pk), applies[pk]
        )
        if due is not None:
            dues[pk] = due
    return dues
