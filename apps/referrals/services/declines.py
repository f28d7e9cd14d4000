"""A declined automatic referral tells a person, not only the system account (HAZ-01, HAZ-06)."""

import datetime

from django.utils import timezone

from apps.accounts.services import SYSTEM_EMAIL
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks import services as tasks
from apps.tasks.models import Task

from ..models import Referral


def declined_automatic_referral_task(referral: Referral) -> Task | None:
    """Inside the caller's transaction: a referral opened by a job (say, a re-evaluation) was declined,
    so the child's named nurse (or the Nursing queue) gets a task to follow it up."""
    source = referral.source_user
    if source is None or source.email != SYSTEM_EMAIL:
        return None
    nurse, queue = named_nurse_or_nursing_queue(referral.patient)
    return tasks.task_open(
        title=f"{referral.target_team} declined an automatic referral",
        detail=f"The referral was opened automatically: {referral.reason}\n\nDeclined because: "
        f"{referral.outcome_reason}",
        source=Task.Source.REFERRAL_DECLINED,
        assignee=nurse,
        team=queue,
        patient=referral.patient,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
        priority=Task.Priority.HIGH,
        source_key=f"referral:{referral.pk}:declined",
        link_url=f"/referrals/{referral.pk}/",
    )
