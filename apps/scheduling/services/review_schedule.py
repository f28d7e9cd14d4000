"""The stored re-evaluation dates (ReviewSchedule): one row per child and active policy.

Every service that changes an input of a child's next due date calls ``review_schedules_refresh`` for
that child inside its own transaction: an assessment attended or recorded, a review opened, a track
discharged or re-referred, a diagnosis date, a child registered or their status or date of birth changed, a policy or a
child's own interval saved. A weekly beat job runs ``review_schedules_repair`` over everyone, which
rewrites only rows that drifted (say, data loaded around the services) and logs how many.

The date of birth is an input too: a policy with school re-test years follows age.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from ..models import ReviewDue, ReviewPolicy, ReviewSchedule
from .reviews import fresh_due_dates

logger = logging.getLogger(__name__)

Status = ReviewSchedule.Status
Key = tuple[int, int]  # (child id, policy id)
Row = tuple[datetime.date | None, datetime.date | None, str]  # (due_on, still_due_on, status)


def _still_due(
    patient_ids: list[int] | None,
) -> tuple[dict[Key, datetime.date], set[tuple[int, int, datetime.date]]]:
    """The earliest review still due per child and policy, and every opened (child, policy, date)."""
    reviews = (
        ReviewDue.objects.all()
        if patient_ids is None
        else ReviewDue.objects.filter(patient_id__in=patient_ids)
    )
    earliest = {
        (row["patient_id"], row["policy_id"]): row["first"]
        for row in reviews.still_due().values("patient_id", "policy_id").annotate(first=Min("due_on"))
    }
    opened = set(reviews.values_list("patient_id", "policy_id", "due_on"))
    return earliest, opened


def _fresh_rows(patient_ids: list[int] | None) -> dict[Key, Row]:
    """What the rows should hold, computed from the inputs (``reviews.fresh_due_dates``)."""
    earliest, opened = _still_due(patient_ids)
    rows: dict[Key, Row] = {}
    for policy in ReviewPolicy.objects.filter(is_active=True).select_related("target_team"):
        for patient_id, due in fresh_due_dates(policy, patient_ids).items():
            key = (patient_id, policy.pk)
            still = earliest.get(key)
            is_open = still is not None or (patient_id, policy.pk, due) in opened
            rows[key] = (due, still, Status.OPENED if is_open else Status.WAITING)
        for (patient_id, policy_id), still in earliest.items():
            if policy_id == policy.pk and (patient_id, policy_id) not in rows:
                rows[(patient_id, policy_id)] = (None, still, Status.NOT_APPLICABLE)
    return rows


def _write(patient_ids: list[int] | None) -> int:
    """Make the stored rows equal the fresh ones; returns how many rows changed (written or removed)."""
    fresh = _fresh_rows(patient_ids)
    stored_rows = ReviewSchedule.objects.all()
    if patient_ids is not None:
        stored_rows = stored_rows.filter(patient_id__in=patient_ids)
    stored = {
        (p, pol): (due, still, status)
        for p, pol, due, still, status in stored_rows.values_list(
            "patient_id", "policy_id", "due_on", "still_due_on", "status"
        ).iterator(chunk_size=5000)
    }
    changed = sorted(key for key, row in fresh.items() if stored.get(key) != row)  # one lock order
    gone = [key for key in stored if key not in fresh]
    now = timezone.now()
    ReviewSchedule.objects.bulk_create(
        [
            ReviewSchedule(
                patient_id=p,
                policy_id=pol,
                due_on=fresh[(p, pol)][0],
                still_due_on=fresh[(p, pol)][1],
                status=fresh[(p, pol)][2],
                refreshed_at=now,
            )
            for p, pol in changed
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["patient", "policy"],
        update_fields=["due_on", "still_due_on", "status", "refreshed_at"],
    )
    by_policy: dict[int, list[int]] = defaultdict(list)
    for p, pol in gone:
        by_policy[pol].append(p)
    for policy_id, patients in by_policy.items():
        ReviewSchedule.objects.filter(policy_id=policy_id, patient_id__in=patients).delete()
    return len(changed) + len(gone)


def review_schedules_refresh(*, patient_ids: Iterable[int]) -> int:
    """Inside the caller's transaction: recompute these children's stored dates (a few queries)."""
    ids = sorted(set(patient_ids))
    return _write(ids) if ids else 0


def review_schedules_refresh_all() -> int:
    """Inside the caller's transaction: recompute every child's (a policy or interval was saved)."""
    return _write(None)


def review_schedules_repair() -> int:
    """The weekly job: put right any stored date that drifted from a fresh computation (every child,
    in a constant number of queries; the daily job only reads the stored dates)."""
    with transaction.atomic():
        drifted = _write(None)
    if drifted:
        logger.warning("Review schedules: %s stored rows had drifted and were repaired", drifted)
    return drifted
