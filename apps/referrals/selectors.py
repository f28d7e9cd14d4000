"""Referral reads. A referral is visible to the receiving team, the referrer, and anyone who can see the child."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.workingtime.working_time import holidays_between

from . import permissions
from .models import Referral, ServiceLevelTarget
from .services.service_levels import default_target, seen_due_at, triage_due_at


def referrals_visible_to(user: AnyUser) -> QuerySet[Referral]:
    if roles.staff_role(user) is None:
        return Referral.objects.none()
    # The receiving team sees a referral from outside only once its child's identity is confirmed.
    confirmed = Q(identity_status=Referral.Identity.CONFIRMED)
    return Referral.objects.filter(
        (Q(target_team__in=roles.team_ids(user)) & confirmed)
        | Q(source_user=user)
        | Q(patient__in=access.visible_patient_ids(user))
    ).select_related("patient", "target_team", "source_team", "source_user", "assignee")


def referral_get(*, user: AnyUser, pk: int) -> Referral:
    return get_object_or_404(referrals_visible_to(user), pk=pk)


# How a referral inbox can be ordered; the first is the default. The service-level due time follows
# from urgency and submission, so within one urgency the oldest is due first.
INBOX_SORTS = {
    "urgency": "urgency, then due date",
    "due": "oldest first",
}


def team_inbox(
    *, user: AnyUser, team_id: int | None = None, status: str = "", sort: str = "urgency"
) -> QuerySet[Referral]:
    """A team's referrals: the most urgent first, awaiting triage before the rest, then the oldest
    (due soonest); or simply oldest first with ``sort="due"``."""
    teams = roles.team_ids(user)
    if team_id is not None:
        teams = [t for t in teams if t == team_id]
    referrals = Referral.objects.filter(
        target_team__in=teams, identity_status=Referral.Identity.CONFIRMED
    ).exclude(status=Referral.Status.DRAFT)
    if status == "open":
        referrals = referrals.filter(status__in=Referral.OPEN_STATUSES)
    elif status:
        referrals = referrals.filter(status=status)
    return (
        referrals.select_related("patient", "target_team", "source_team", "source_user", "assignee")
        .annotate(
            awaiting=Case(
                When(status=Referral.Status.SUBMITTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            urgency_rank=Case(
                When(urgency=Referral.Urgency.EMERGENCY, then=Value(0)),
                When(urgency=Referral.Urgency.URGENT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by(
            *(
                ["submitted_at", "urgency_rank"]
                if sort == "due"
                else ["urgency_rank", "awaiting", "submitted_at"]
            )
        )
    )


def identity_queue(*, user: AnyUser) -> QuerySet[Referral]:
    """Referrals from outside waiting for someone to confirm which child they are about: those whose
    matched child this user already looks after, and, for the records team, every one not sent to a
    team of theirs. Oldest first."""
    if roles.staff_role(user) is None:
        return Referral.objects.none()
    mine = Q(patient__in=access.routinely_visible_patient_ids(user))
    if permissions.is_records_role(user):
        mine |= ~Q(target_team__in=roles.team_ids(user))
    return (
        Referral.objects.filter(mine, identity_status=Referral.Identity.PENDING)
        .select_related("patient", "target_team", "recorded_by")
        .order_by("created_at", "pk")
    )


def identity_queue_get(*, user: AnyUser, pk: int) -> Referral:
    return get_object_or_404(identity_queue(user=user), pk=pk)


def sent_by(*, user: User) -> QuerySet[Referral]:
    return referrals_visible_to(user).filter(source_user=user).order_by("-created_at")


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    triage_due: datetime.datetime | None
    seen_due: datetime.datetime | None
    overdue: bool


def referral_rows(referrals: Iterable[Referral]) -> list[ReferralRow]:
    """Each referral with its service-level due times: one query for the targets, one for holidays."""
    referrals = list(referrals)
    targets = {(t.team_id, t.urgency): t for t in ServiceLevelTarget.objects.all()}
    days = [timezone.localdate(r.submitted_at) for r in referrals if r.submitted_at]
    # Enough holidays to cover the longest working-day target from the earliest submission.
    holidays = holidays_between(min(days), max(days) + datetime.timedelta(days=400)) if days else set()
    now = timezone.now()
    rows = []
    for r in referrals:
        target = targets.get((r.target_team_id, r.urgency)) or default_target(r.target_team_id, r.urgency)
        triage_due = triage_due_at(r, target, holidays=holidays) if target else None
        seen_due = seen_due_at(r, target) if target else None
        late_triage = r.status == Referral.Status.SUBMITTED and triage_due is not None and triage_due < now
        late_seen = r.status in Referral.NOT_YET_SEEN and seen_due is not None and seen_due < now
        overdue = late_triage or late_seen or bool(r.triage_breached_at or r.seen_breached_at)
        rows.append(ReferralRow(r, triage_due, seen_due, overdue and r.status in Referral.OPEN_STATUSES))
    return rows


_COMPARED = {
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "nhs_number": "NHS number",
    "hospital_number": "hospital number",
}


def identity_differences(referral: Referral) -> list[str]:
    """Where the child as the referrer described them differs from the matched record (for the
    identity queue: names compared without case, blank stated values ignored)."""
    stated = referral.child_as_stated or {}
    record = {
        "given_name": referral.patient.given_name,
        "family_name": referral.patient.family_name,
        "date_of_birth": referral.patient.date_of_birth.isoformat(),
        "nhs_number": referral.patient.nhs_number or "",
        "hospital_number": referral.patient.hospital_number,
    }
    return [
        label
        for key, label in _COMPARED.items()
        if stated.get(key) and str(stated[key]).strip().lower() != str(record[key]).strip().lower()
    ]
