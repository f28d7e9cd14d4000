"""Staff absence and cover (HAZ-14): while someone is away, their work goes to their team's queue.

Who is away is data (``StaffAbsence``). Routing reads it through ``away_until`` and ``covering_team``:
family messages, symptom reports and tasks for an absent named nurse reach the Nursing queue, and the
family sees no change.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import StaffAbsence, StaffProfile, Team, User

MAX_ABSENCE_DAYS = 366


def away_until(user: User | None, day: datetime.date | None = None) -> datetime.date | None:
    """The last day of the absence covering ``day`` (today), or None when the person is at work."""
    if user is None or user.pk is None:
        return None
    absence = (
        StaffAbsence.objects.on(day or timezone.localdate()).filter(user=user).order_by("-ends_on").first()
    )
    return absence.ends_on if absence else None


def is_absent(user: User | None, day: datetime.date | None = None) -> bool:
    return away_until(user, day) is not None


def absent_user_ids(user_ids: list[int], day: datetime.date | None = None) -> set[int]:
    """Of these people, those away on ``day`` (today), in one query."""
    day = day or timezone.localdate()
    return set(StaffAbsence.objects.on(day).filter(user_id__in=user_ids).values_list("user_id", flat=True))


def covering_team(user: User) -> Team | None:
    """The queue that covers this person: Nursing for a nurse specialist, else their first team."""
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return None
    teams = list(profile.teams.order_by("name"))
    nursing = [t for t in teams if t.code == Team.Code.NURSING]
    if profile.role == StaffProfile.Role.NURSE_SPECIALIST and not nursing:
        nursing_team, _ = Team.objects.get_or_create(
            code=Team.Code.NURSING, defaults={"name": Team.Code.NURSING.label}
        )
        return nursing_team
    return (nursing or teams or [None])[0]


def _may_record_for(actor: User, user: User) -> bool:
    """People record their own absence; a clinic administrator records anyone's."""
    profile = getattr(actor, "staff_profile", None)
    is_admin = profile is not None and profile.role == StaffProfile.Role.CLINIC_ADMIN
    return actor.is_active and actor.kind == User.Kind.STAFF and (actor.pk == user.pk or is_admin)


def absence_record(
    *,
    actor: User,
    user: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str = StaffAbsence.Reason.LEAVE,
) -> StaffAbsence:
    if not _may_record_for(actor, user):
        raise PermissionDenied("Only the person themselves or a clinic administrator can record an absence.")
    errors = {}
    if user.kind != User.Kind.STAFF:
        errors["user"] = "Absence is recorded for staff only."
    if starts_on is None or ends_on is None:
        errors["ends_on"] = "Enter the first and the last day away."
    elif ends_on < starts_on:
        errors["ends_on"] = "The last day away cannot be before the first."
    elif (ends_on - starts_on).days >= MAX_ABSENCE_DAYS:
        errors["ends_on"] = "Record an absence of a year or less; add another for longer."
    if reason not in StaffAbsence.Reason.values:
        errors["reason"] = "Choose the reason: leave, sickness, training or other."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        return StaffAbsence.objects.create(
            user=user, starts_on=starts_on, ends_on=ends_on, reason=reason, recorded_by=actor
        )


def absence_withdraw(*, actor: User, absence: StaffAbsence) -> StaffAbsence:
    """The person is back (or the leave was cancelled): routing returns to them from now."""
    if not _may_record_for(actor, absence.user):
        raise PermissionDenied("Only the person themselves or a clinic administrator can change an absence.")
    with transaction.atomic(durable=True):
        StaffAbsence.objects.filter(pk=absence.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
    absence.refresh_from_db()
    return absence
