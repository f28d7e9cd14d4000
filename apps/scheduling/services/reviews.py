"""Review policies as data: when a child is next due (e.g. neuropsychology), and the daily job that opens them."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from apps.accounts.services import system_user
from apps.pathways.models import DiagnosticAssessment, SpecialtyTrack
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.referrals.services import referral_open
from apps.tasks.models import Task
from apps.tasks.services import task_open

from ..models import Appointment, ReviewDue, ReviewOverride, ReviewPolicy
from .review_outcomes import reviews_reopen_unfinished
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


def review_candidates(policy: ReviewPolicy) -> list[tuple[Patient, datetime.date]]:
    """Every active child the policy applies to, with their next due date, in one query.

    A child discharged from the policy's specialty is left out.
    """
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
    patients = (
        Patient.objects.filter(status=Patient.Status.ACTIVE)
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
        .select_related("named_nurse")
    )
    rows: list[tuple[Patient, datetime.date]] = []
    for patient in patients:
        attended = timezone.localdate(patient.last_review) if patient.last_review else None
        recorded = patient.last_recorded
        due = next_due(
            policy=policy,
            diagnosis_date=patient.diagnosed_on,
            last_completed=max(d for d in (attended, recorded) if d) if attended or recorded else None,
            override_months=patient.override_months,
            date_of_birth=patient.date_of_birth,
        )
        if due is not None:
            rows.append((patient, due))
    return rows


def _review_still_open(patient: Patient, policy: ReviewPolicy) -> bool:
    """An opened review with no assessment recorded as completed, whatever became of its referral."""
    return ReviewDue.objects.still_due().filter(patient=patient, policy=policy).exists()


def reviews_open_due(*, today: datetime.date | None = None) -> int:
    """Daily beat job: for each child whose review falls due within the lead time, open a referral and a task.

    Idempotent and safe with two beats: the unique (child, policy, due date) row is inserted first, in the
    same transaction as the referral and task, so a second run or a racing worker creates nothing.
    """
    today = today or timezone.localdate()
    actor = system_user()
    opened = 0
    for policy in ReviewPolicy.objects.filter(is_active=True).select_related("target_team"):
        horizon = today + datetime.timedelta(days=policy.lead_time_days)
        for patient, due in review_candidates(policy):
            if due > horizon or ReviewDue.objects.filter(patient=patient, policy=policy, due_on=due).exists():
                continue
            if _review_still_open(patient, policy):  # e.g. the interval changed while one was open
                continue
            try:
                with transaction.atomic():
                    review = ReviewDue.objects.create(patient=patient, policy=policy, due_on=due)
                    # A child may hold only one open referral per team (say, last time's, seen but not
                    # closed): the review is opened on that one rather than lost to its unique key.
                    referral = Referral.objects.filter(
                        patient=patient, target_team=policy.target_team, status__in=Referral.OPEN_STATUSES
                    ).first() or referral_open(
                        actor=actor,
                        patient=patient,
                        target_team=policy.target_team,
                        reason=f"Re-evaluation due by {due:%d %B %Y} ({policy.name}).",
                        urgency=Referral.Urgency.ROUTINE,  # even past due: urgency is a clinician's call
                    )
                    review.referral = referral
                    review.save(update_fields=["referral"])
                    task_open(
                        title=f"{policy.name}: re-evaluation due by {due:%d %b %Y}",
                        detail="Let the family know, and ask school for any recent reports.",
                        source=Task.Source.RE_EVALUATION,
                        assignee=patient.named_nurse,
                        team=None if patient.named_nurse else policy.target_team,
                        patient=patient,
                        due_on=min(due, today + datetime.timedelta(days=14)),
                        source_key=f"review:{review.pk}",
                        link_url=f"/referrals/{referral.pk}/",
                    )
                opened += 1
            except IntegrityError:
                continue  # another run opened it first
    return opened + reviews_reopen_unfinished(actor=actor, today=today)
