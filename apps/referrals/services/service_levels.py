"""Service-level targets: when triage and first appointment are due, and the beat job for breaches."""

import datetime
from collections.abc import Collection

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Team
from apps.tasks import services as tasks
from apps.tasks.models import Task
from apps.workingtime.working_time import add_working_days, holidays_between

from ..models import Referral, ServiceLevelTarget


def default_target(team_id: int, urgency: str) -> ServiceLevelTarget | None:
    """The documented default (settings.SERVICE_LEVEL_DEFAULTS) for a team with no row of its own, so no
    team goes unchecked (HAZ-06). Not saved: a row in the admin replaces it."""
    default = settings.SERVICE_LEVEL_DEFAULTS.get(urgency)
    if default is None:
        return None
    triage_days, seen_days = default
    return ServiceLevelTarget(
        team_id=team_id, urgency=urgency, triage_working_days=triage_days, seen_within_days=seen_days
    )


def every_target() -> list[ServiceLevelTarget]:
    """Each team's target per urgency: its own row, else the documented default (HAZ-06). Two queries."""
    rows = list(ServiceLevelTarget.objects.all())
    have = {(t.team_id, t.urgency) for t in rows}
    defaults = [
        default_target(team_id, urgency)
        for team_id in Team.objects.values_list("pk", flat=True)
        for urgency in settings.SERVICE_LEVEL_DEFAULTS
        if (team_id, urgency) not in have
    ]
    return rows + [d for d in defaults if d is not None]


def _target(referral: Referral) -> ServiceLevelTarget | None:
    return ServiceLevelTarget.objects.filter(
        team_id=referral.target_team_id, urgency=referral.urgency
    ).first() or default_target(referral.target_team_id, referral.urgency)


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


BREACH_BATCH = 500  # referrals claimed per transaction
# Local "same time N days later" can be an hour short of N * 24 hours across a clock change.
_CLOCK_CHANGE_MARGIN = datetime.timedelta(hours=2)


def _breach_candidates(targets: list[ServiceLevelTarget], now: datetime.datetime) -> Q:
    """In SQL, the open referrals that may have passed a target: N working days are at least N days."""
    possible = Q(pk__in=[])
    for t in targets:
        own = Q(target_team_id=t.team_id, urgency=t.urgency)
        triage = now - datetime.timedelta(days=t.triage_working_days) + _CLOCK_CHANGE_MARGIN
        seen = now - datetime.timedelta(days=t.seen_within_days) + _CLOCK_CHANGE_MARGIN
        possible |= own & Q(
            status=Referral.Status.SUBMITTED, triage_breached_at__isnull=True, submitted_at__lte=triage
        )
        possible |= own & Q(
            status__in=Referral.NOT_YET_SEEN, seen_breached_at__isnull=True, submitted_at__lte=seen
        )
    return possible


def _due_breaches(
    referral: Referral, target: ServiceLevelTarget, holidays: set[datetime.date], now: datetime.datetime
) -> list[tuple[str, datetime.datetime]]:
    """The (purpose, due) pairs this referral has passed and not yet been flagged for."""
    due: list[tuple[str, datetime.datetime | None]] = []
    if referral.status == Referral.Status.SUBMITTED and referral.triage_breached_at is None:
        due.append(("triage", triage_due_at(referral, target, holidays=holidays)))
    if referral.status in Referral.NOT_YET_SEEN and referral.seen_breached_at is None:
        due.append(("seen", seen_due_at(referral, target)))
    return [(purpose, at) for purpose, at in due if at is not None and at <= now]


def referrals_check_service_levels(*, now: datetime.datetime | None = None) -> int:
    """Beat job: flag each breach once and give the receiving team a task. Running it twice adds nothing.

    Set-based: SQL selects only referrals old enough to have passed a target (never every open
    referral); each batch is locked with ``FOR UPDATE SKIP LOCKED``, claimed with one UPDATE per
    breach kind (``..._breached_at IS NULL``) and its tasks opened in bulk on unique source keys.
    """
    now = now or timezone.now()
    targets = every_target()
    if not targets:
        return 0
    open_referrals = Referral.objects.filter(status__in=Referral.OPEN_STATUSES, submitted_at__isnull=False)
    candidates = open_referrals.filter(_breach_candidates(targets, now))
    dates = candidates.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
    if dates["first"] is None:
        return 0
    holidays = set(
        holidays_between(
            timezone.localdate(dates["first"]),
            timezone.localdate(dates["last"]) + datetime.timedelta(days=400),
        )
    )
    by_target = {(t.team_id, t.urgency): t for t in targets}
    ids = list(candidates.order_by("submitted_at", "pk").values_list("pk", flat=True))
    flagged = 0
    for start in range(0, len(ids), BREACH_BATCH):
        batch = candidates.filter(pk__in=ids[start : start + BREACH_BATCH])
        flagged += _flag_batch(batch, by_target, holidays, now)
    return flagged


def _flag_batch(
    referrals: QuerySet[Referral],
    by_target: dict[tuple[int, str], ServiceLevelTarget],
    holidays: set[datetime.date],
    now: datetime.datetime,
) -> int:
    """Claim a batch's breaches (rows another run holds are skipped) and give the team one task each."""
    from .transitions import referral_url, task_key

    with transaction.atomic():
        locked = referrals.select_for_update(skip_locked=True, of=("self",)).select_related(
            "target_team", "patient"
        )
        found = [
            (referral, purpose, due)
            for referral in locked
            for purpose, due in _due_breaches(
                referral, by_target[(referral.target_team_id, referral.urgency)], holidays, now
            )
        ]
        for purpose, field in (("triage", "triage_breached_at"), ("seen", "seen_breached_at")):
            claimed = [referral.pk for referral, p, _ in found if p == purpose]
            if claimed:
                Referral.objects.filter(pk__in=claimed).update(**{field: now})
        tasks.tasks_open_bulk(
            [
                {
                    "title": _TITLES[purpose],
                    "detail": f"Due {timezone.localtime(due):%d %b %Y %H:%M}.",
                    "source": Task.Source.SLA_BREACH,
                    "team": referral.target_team,
                    "patient": referral.patient,
                    "due_on": timezone.localdate(now),
                    "priority": Task.Priority.URGENT,
                    "source_key": task_key(referral, f"sla:{purpose}"),
                    "link_url": referral_url(referral),
                }
                for referral, purpose, due in found
            ]
        )
    return len(found)


_TITLES = {"triage": "Referral not triaged in time", "seen": "Referral not seen in time"}
