"""The daily re-evaluation job, set-based: it reads the stored dates through an index, not every child.

1. Select, in one query on the partial index ``review_schedule_waiting``, the children whose review
   falls due within its policy's lead time and has not been opened.
2. Per batch, in one transaction: claim the reviews with INSERT ... ON CONFLICT DO NOTHING on the
   unique (child, policy, due date) row, so a second run or a racing beat claims nothing twice; open
   the referrals (or reuse the one already open to the team) and the tasks in bulk, through the
   referrals' and tasks' own services; mark the stored rows opened.
3. Reopen each due review whose referral ended without an assessment (review_outcomes.py).

The stored dates are kept by the services that change their inputs; the repair of any drift (rows
loaded around the services, a school year that ended) is its own weekly beat job
(``review_schedules_repair``, the "review-schedules-daily" entry), because it recomputes every child.
An idle run is a few queries, whatever the number of children; a busy one a constant number per batch.
Nothing is capped: every due review is opened in this run, batch by batch (a killed run keeps the
batches it finished, and the next run opens the rest).
"""

import datetime
import logging
from typing import cast

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import system_user
from apps.referrals.models import Referral
from apps.referrals.services import ReferralSpec, referrals_open_bulk
from apps.tasks.models import Task
from apps.tasks.services import tasks_open_bulk
from carecoord.claims import claims_insert

from ..models import ReviewDue, ReviewPolicy, ReviewSchedule
from .review_outcomes import reviews_reopen_unfinished
from .review_schedule import review_schedules_refresh

logger = logging.getLogger(__name__)

BATCH = 500  # reviews opened per transaction


def reviews_due_to_open(policies: list[ReviewPolicy], today: datetime.date) -> list[int]:
    """Stored rows waiting to be opened whose due date is within their policy's lead time (one query)."""
    if not policies:
        return []
    within = Q()
    for policy in policies:
        within |= Q(policy=policy, due_on__lte=today + datetime.timedelta(days=policy.lead_time_days))
    waiting = ReviewSchedule.objects.filter(within, status=ReviewSchedule.Status.WAITING)
    return list(waiting.order_by("due_on", "pk").values_list("pk", flat=True))


def reviews_open_due(*, today: datetime.date | None = None) -> int:
    """Daily beat job: for each child whose review falls due within the lead time, open a referral and a task.

    Idempotent and safe with two beats: the unique (child, policy, due date) row is claimed first, in
    the same transaction as the referral and task, so a second run or a racing worker creates nothing.
    """
    today = today or timezone.localdate()
    actor = system_user()
    policies = {p.pk: p for p in ReviewPolicy.objects.filter(is_active=True).select_related("target_team")}
    ids = reviews_due_to_open(list(policies.values()), today)
    opened = 0
    for start in range(0, len(ids), BATCH):
        opened += _open_batch(ids[start : start + BATCH], policies=policies, actor=actor, today=today)
    if opened < len(ids):
        logger.info("Re-evaluations: %s due, %s opened; another run had claimed the rest", len(ids), opened)
    return opened + reviews_reopen_unfinished(actor=actor, today=today)


def _open_batch(
    ids: list[int], *, policies: dict[int, ReviewPolicy], actor: User, today: datetime.date
) -> int:
    with transaction.atomic():
        rows = {
            (row.patient_id, row.policy_id): row
            for row in ReviewSchedule.objects.filter(pk__in=ids, status=ReviewSchedule.Status.WAITING)
            .select_related("patient__named_nurse")
            .order_by("pk")
        }
        won = claims_insert(
            [
                ReviewDue(patient_id=p, policy_id=pol, due_on=cast(datetime.date, row.due_on))
                for (p, pol), row in rows.items()
            ],
            returning=("id", "patient", "policy"),
        )
        if not won:
            return 0
        reviews = [ReviewDue(pk=pk, patient_id=p, policy_id=pol) for pk, p, pol in won]
        referrals = _referrals_for(reviews, rows=rows, policies=policies, actor=actor)
        for review in reviews:
            review.referral = referrals[(review.patient_id, policies[review.policy_id].target_team_id)]
        ReviewDue.objects.bulk_update(reviews, ["referral"])
        tasks_open_bulk([_task_spec(review, rows=rows, policies=policies, today=today) for review in reviews])
        review_schedules_refresh(patient_ids=[review.patient_id for review in reviews])  # now "opened"
    return len(won)


def _referrals_for(
    reviews: list[ReviewDue],
    *,
    rows: dict[tuple[int, int], ReviewSchedule],
    policies: dict[int, ReviewPolicy],
    actor: User,
) -> dict[tuple[int, int], Referral]:
    """A referral per (child, team): the one already open to the team (a child may hold only one, say
    last time's, seen but not closed), or a new one opened in bulk."""
    keys = {(r.patient_id, policies[r.policy_id].target_team_id) for r in reviews}
    existing = {
        (referral.patient_id, referral.target_team_id): referral
        for referral in Referral.objects.filter(
            patient_id__in={p for p, _ in keys},
            target_team_id__in={t for _, t in keys},
            status__in=Referral.OPEN_STATUSES,
        )
    }
    specs: dict[tuple[int, int], ReferralSpec] = {}
    for review in reviews:
        policy = policies[review.policy_id]
        key = (review.patient_id, policy.target_team_id)
        if key not in existing and key not in specs:
            due = rows[(review.patient_id, review.policy_id)].due_on
            specs[key] = {
                "patient": rows[(review.patient_id, review.policy_id)].patient,
                "target_team": policy.target_team,
                "reason": f"Re-evaluation due by {due:%d %B %Y} ({policy.name}).",
                "urgency": Referral.Urgency.ROUTINE,  # even past due: urgency is a clinician's call
            }
    opened = referrals_open_bulk(actor=actor, specs=list(specs.values()))
    return {**existing, **dict(zip(specs, opened, strict=True))}


def _task_spec(
    review: ReviewDue,
    *,
    rows: dict[tuple[int, int], ReviewSchedule],
    policies: dict[int, ReviewPolicy],
    today: datetime.date,
) -> dict[str, object]:
    policy = policies[review.policy_id]
    row = rows[(review.patient_id, review.policy_id)]
    due = cast(datetime.date, row.due_on)  # a waiting row always has its date (a check constraint)
    nurse = row.patient.named_nurse
    return {
        "title": f"{policy.name}: re-evaluation due by {due:%d %b %Y}",
        "detail": "Let the family know, and ask school for any recent reports.",
        "source": Task.Source.RE_EVALUATION,
        "assignee": nurse,
        "team": None if nurse else policy.target_team,
        "patient": row.patient,
        "due_on": min(due, today + datetime.timedelta(days=14)),
        "source_key": f"review:{review.pk}",
        "link_url": f"/referrals/{review.referral_id}/",
    }
