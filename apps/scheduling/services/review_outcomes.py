"""A re-evaluation cannot vanish: it is due until an assessment is recorded as done (when, by whom).

Cancelling, declining or closing the review's referral leaves the review due; the daily job then
opens a new referral and a task for the named nurse, once per ended referral. See HAZ-01 in
docs/safety/hazard-log.md.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.pathways.models import SpecialtyTrack
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.referrals.services import referral_open
from apps.tasks.models import Task
from apps.tasks.services import task_open, tasks_complete_for_sources
from carecoord.errors import ApplicationError

from ..models import Appointment, ReviewDue, ReviewPolicy
from .review_schedule import review_schedules_refresh

# A referral in one of these states will not lead to the assessment.
ENDED_WITHOUT_ASSESSMENT = (
    Referral.Status.DECLINED,
    Referral.Status.CANCELLED,
    Referral.Status.COMPLETED,
)


def review_task_keys(review: ReviewDue) -> list[str]:
    """The source keys of every task opened for this review (first opening and each reopening)."""
    keys = Task.objects.filter(
        Q(source_key=f"review:{review.pk}") | Q(source_key__startswith=f"review:{review.pk}:")
    ).values_list("source_key", flat=True)
    return [k for k in keys if k]


def _complete(
    review: ReviewDue,
    *,
    on: datetime.date,
    by: User,
    recorded_by: User,
    appointment: Appointment | None = None,
) -> None:
    review.completed_on, review.completed_by = on, by
    review.completion_recorded_by, review.completion_recorded_at = recorded_by, timezone.now()
    review.completion_appointment = appointment
    review.save(
        update_fields=[
            "completed_on",
            "completed_by",
            "completion_recorded_by",
            "completion_recorded_at",
            "completion_appointment",
        ]
    )
    tasks_complete_for_sources(source_keys=review_task_keys(review), actor=recorded_by)


def reviews_complete_for_attendance(*, actor: User, appointment: Appointment) -> int:
    """Inside the caller's transaction: an attended assessment completes the child's due reviews of its kind.

    It counts for a review when it happened within the review's window (from the lead time before the
    due date). Who did it is the appointment's clinician, or else the person recording attendance.
    """
    day = timezone.localdate(appointment.starts_at)
    clinician = appointment.clinician
    assessor = clinician if clinician is not None and roles.staff_role(clinician) else actor
    done = 0
    reviews = (
        ReviewDue.objects.still_due()
        .select_for_update(of=("self",))
        .filter(patient_id=appointment.patient_id, policy__appointment_kind=appointment.kind)
        .select_related("policy")
    )
    for review in reviews:
        if day < review.due_on - datetime.timedelta(days=review.policy.lead_time_days):
            continue  # an earlier assessment: not this review's
        _complete(review, on=day, by=assessor, recorded_by=actor, appointment=appointment)
        done += 1
    review_schedules_refresh(patient_ids=[appointment.patient_id])  # an attended one moves the next date
    return done


def reviews_complete_for_assessment(
    *, actor: User, patient: Patient, team_id: int, completed_on: datetime.date, completed_by: User
) -> int:
    """Inside the caller's transaction: an assessment recorded in full elsewhere (say, a neuropsychology
    assessment with its results) completes the child's due reviews of policies for that team.

    As with an attended appointment, it counts for a review when it was done within the review's
    window (from the lead time before the due date).
    """
    done = 0
    reviews = (
        ReviewDue.objects.still_due()
        .select_for_update(of=("self",))
        .filter(patient=patient, policy__target_team_id=team_id)
        .select_related("policy")
    )
    for review in reviews:
        if completed_on < review.due_on - datetime.timedelta(days=review.policy.lead_time_days):
            continue  # an earlier assessment: not this review's
        _complete(review, on=completed_on, by=completed_by, recorded_by=actor)
        done += 1
    return done


def can_record_review(user: User, review: ReviewDue) -> bool:
    """Members of the policy's team (for example Neuropsychology) record that an assessment was done."""
    return review.policy.target_team_id in roles.team_ids(user)


def review_record_completed(
    *, actor: User, review: ReviewDue, completed_on: datetime.date, completed_by: User
) -> ReviewDue:
    """Record an assessment done without an appointment here (say, at the local hospital)."""
    if not can_record_review(actor, review):
        raise PermissionDenied(f"Only members of {review.policy.target_team} can record this assessment.")
    errors = {}
    if completed_on is None:
        errors["completed_on"] = "Enter the date the assessment was done."
    elif completed_on > timezone.localdate():
        errors["completed_on"] = "The assessment date cannot be in the future."
    if roles.staff_role(completed_by) is None:
        errors["completed_by"] = "Choose the member of staff who did the assessment."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = ReviewDue.objects.select_for_update().select_related("policy").get(pk=review.pk)
        if locked.completed_on is not None:
            raise ApplicationError.stale(
                f"This assessment was already recorded on {locked.completed_on:%d %b %Y}."
            )
        _complete(locked, on=completed_on, by=completed_by, recorded_by=actor)
        review_schedules_refresh(patient_ids=[locked.patient_id])
    return locked


def _reopen_candidates() -> list[ReviewDue]:
    """The latest due review per child and policy whose referral has ended without an assessment."""
    discharged = SpecialtyTrack.objects.filter(
        patient=OuterRef("patient"),
        specialty=OuterRef("policy__target_team__code"),
        stage=SpecialtyTrack.Stage.DISCHARGED,
    )
    newer = ReviewDue.objects.filter(
        patient=OuterRef("patient"), policy=OuterRef("policy"), opened_at__gt=OuterRef("opened_at")
    )
    return list(
        ReviewDue.objects.still_due()
        .filter(policy__is_active=True, patient__status=Patient.Status.ACTIVE)
        .filter(Q(referral__isnull=True) | Q(referral__status__in=ENDED_WITHOUT_ASSESSMENT))
        .exclude(Exists(discharged))
        .exclude(Exists(newer))
        .select_related("policy__target_team", "patient__named_nurse", "referral")
    )


def _reopen(review: ReviewDue, *, actor: User, today: datetime.date) -> bool:
    """Open a new referral (or use one already open to the team) and a task; False if someone else did."""
    policy: ReviewPolicy = review.policy
    patient = review.patient
    previous = review.referral
    with transaction.atomic():
        locked = ReviewDue.objects.select_for_update().filter(pk=review.pk, completed_on__isnull=True).first()
        if locked is None or locked.referral_id != review.referral_id:
            return False
        ended = f"was {previous.get_status_display().lower()}" if previous else "is gone"
        why = f" ({previous.outcome_reason})" if previous and previous.outcome_reason else ""
        referral = Referral.objects.filter(
            patient=patient, target_team=policy.target_team, status__in=Referral.OPEN_STATUSES
        ).first() or referral_open(
            actor=actor,
            patient=patient,
            target_team=policy.target_team,
            reason=f"Re-evaluation still due by {review.due_on:%d %B %Y} ({policy.name}): the last referral "
            f"{ended}{why} and no assessment has been recorded.",
            urgency=Referral.Urgency.ROUTINE,  # as reviews_open_due: urgency is a clinician's call
        )
        locked.referral = referral
        locked.reopened_count += 1
        locked.save(update_fields=["referral", "reopened_count"])
        task_open(
            title=f"{policy.name}: still due (by {review.due_on:%d %b %Y}); the referral {ended}",
            detail=f"No assessment has been recorded, so a new referral was opened{why}. "
            "Check with the family and the team that it goes ahead.",
            source=Task.Source.RE_EVALUATION,
            assignee=patient.named_nurse,
            team=None if patient.named_nurse else policy.target_team,
            patient=patient,
            due_on=today + datetime.timedelta(days=7),
            priority=Task.Priority.HIGH,
            source_key=f"review:{review.pk}:reopened:{previous.pk if previous else 0}",
            link_url=f"/referrals/{referral.pk}/",
        )
    return True


def reviews_reopen_unfinished(*, actor: User, today: datetime.date | None = None) -> int:
    """Part of the daily job: each due review whose referral ended without an assessment is opened again, once."""
    today = today or timezone.localdate()
    reopened = 0
    for review in _reopen_candidates():
        try:
            reopened += _reopen(review, actor=actor, today=today)
        except IntegrityError:
            continue  # a racing run opened the referral first; the next run sees it
    return reopened
