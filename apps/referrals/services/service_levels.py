"""Service-level targets: when triage and first appointment are due, and the beat job for breaches."""

import datetime
from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from apps.tasks import services as tasks
from apps.tasks.models import Task
from apps.workingtime.working_time import add_working_days, holidays_between

from ..models import Referral, ServiceLevelTarget


def _target(referral: Referral) -> ServiceLevelTarget | None:
    return ServiceLevelTarget.objects.filter(
        team_id=referral.target_team_id, urgency=referral.urgency
    ).first()


def triage_due_at(
    referral: Referral,
    target: ServiceLevelTarget | None = None,
    *,
    holidays: Collection[datetime.date] | None = None,
) -> datetime.datetime | None:
    """``holidays`` lets a list of referrals share one bank-holiday query (see add_working_days)."""
    target = target or _target(referral)
    if target is None or referral.submitted_at is None:
        return None
    return add_working_days(referral.submitted_at, target.triage_working_days, holidays=holidays)


def seen_due_at(referral: Referral, target: ServiceLevelTarget | None = None) -> datetime.datetime | None:
    target = target or _target(referral)
    if target is None or referral.submitted_at is None:
        return None
    # Calendar days in local time, so a clock change in between does not move the deadline by an hour.
    return timezone.localtime(referral.submitted_at) + datetime.timedelta(days=target.seen_within_days)


def referrals_check_service_levels(*, now: datetime.datetime | None = None) -> int:
    """Beat job: flag each breach once and give the receiving team a task. Running it twice adds nothing.

    A breach is claimed with a conditional UPDATE (``..._breached_at IS NULL``), and the task has a
    unique source key, so a second run, or a second beat, finds nothing left to do.
    """
    now = now or timezone.now()
    targets = {(t.team_id, t.urgency): t for t in ServiceLevelTarget.objects.all()}
    candidates = Referral.objects.filter(
        status__in=Referral.OPEN_STATUSES, submitted_at__isnull=False
    ).select_related("target_team", "patient")
    pending = list(
        candidates.filter(triage_breached_at__isnull=True, status=Referral.Status.SUBMITTED)
        | candidates.filter(seen_breached_at__isnull=True, status__in=Referral.NOT_YET_SEEN)
    )
    days = [timezone.localdate(r.submitted_at) for r in pending if r.submitted_at]
    holidays = holidays_between(min(days), max(days) + datetime.timedelta(days=400)) if days else set()
    flagged = 0
    for referral in pending:
        target = targets.get((referral.target_team_id, referral.urgency))
        if target is None:
            continue
        checks = []
        if referral.status == Referral.Status.SUBMITTED and referral.triage_breached_at is None:
            checks.append(
                (
                    "triage",
                    "triage_breached_at",
                    triage_due_at(referral, target, holidays=holidays),
                    "Referral not triaged in time",
                )
            )
        if referral.seen_breached_at is None:
            checks.append(
                ("seen", "seen_breached_at", seen_due_at(referral, target), "Referral not seen in time")
            )
        flagged += _flag_breaches(referral, checks, now)
    return flagged


def _flag_breaches(
    referral: Referral, checks: list[tuple[str, str, datetime.datetime | None, str]], now: datetime.datetime
) -> int:
    """Claim each breach that is due (conditional UPDATE) and give the team one task for it."""
    from .transitions import referral_url, task_key

    flagged = 0
    for purpose, field, due, title in checks:
        if due is None or due > now:
            continue
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=referral.pk, **{f"{field}__isnull": True}).update(
                **{field: now}
            )
            if not claimed:
                continue  # another run got there first
            tasks.task_open(
                title=title,
                detail=f"Due {timezone.localtime(due):%d %b %Y %H:%M}.",
                source=Task.Source.SLA_BREACH,
                team=referral.target_team,
                patient=referral.patient,
                due_on=timezone.localdate(now),
                priority=Task.Priority.URGENT,
                source_key=task_key(referral, f"sla:{purpose}"),
                link_url=referral_url(referral),
            )
            flagged += 1
    return flagged
