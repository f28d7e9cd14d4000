"""The daily transition job: open plans from the configured age, then open each milestone's task once.

Set-based where it counts: the children who reach the age are found and given plans in two queries,
existing milestone tasks are read in one, and each task has an idempotent ``source_key``
(``transition:<plan>:<milestone>``), so a second run or a second worker opens nothing twice.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.pathways.services.proxy_reviews import birthday
from apps.patients.models import Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open

from .models import Milestone, TransitionPlan

Anchor = Milestone.Anchor


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return datetime.date(day.year - years, 2, 28)


def plans_open_due(*, today: datetime.date) -> int:
    """A plan for every active child who has reached ``TRANSITION_PLAN_FROM_AGE`` and has none."""
    born_by = years_before(today, settings.TRANSITION_PLAN_FROM_AGE)
    has_plan = TransitionPlan.objects.filter(patient=OuterRef("pk"))
    ids = list(
        Patient.objects.filter(status=Patient.Status.ACTIVE, date_of_birth__lte=born_by)
        .exclude(Exists(has_plan))
        .values_list("pk", flat=True)
    )
    TransitionPlan.objects.bulk_create(
        [TransitionPlan(patient_id=pk, opened_on=today) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


def due_on(milestone: Milestone, plan: TransitionPlan) -> datetime.date | None:
    """When this milestone falls due for this plan, or None when it does not apply (yet)."""
    transferred = plan.status == TransitionPlan.Status.TRANSFERRED
    if milestone.anchor == Anchor.AFTER_TRANSFER:
        return plan.transferred_on + datetime.timedelta(days=milestone.days) if plan.transferred_on else None
    if transferred:
        return None  # the steps before a transfer are over once it has happened
    if milestone.anchor == Anchor.PLAN_OPENED:
        return plan.opened_on + datetime.timedelta(days=milestone.days)
    if milestone.anchor == Anchor.BIRTHDAY and milestone.age is not None:
        return max(birthday(plan.patient, milestone.age), plan.opened_on)
    if milestone.anchor == Anchor.BEFORE_TRANSFER and plan.target_transfer_on:
        return max(plan.target_transfer_on - datetime.timedelta(days=milestone.days), plan.opened_on)
    return None


def task_key(plan: TransitionPlan, milestone: Milestone) -> str:
    return f"transition:{plan.pk}:{milestone.code}"


def _owner(plan: TransitionPlan) -> tuple:
    """The named worker when there is one (their cover if away, by ``task_open``), else the named nurse."""
    if plan.named_worker is not None:
        return plan.named_worker, None
    return named_nurse_or_nursing_queue(plan.patient)


def _open(plan: TransitionPlan, milestone: Milestone, due: datetime.date, today: datetime.date) -> None:
    assignee, team = _owner(plan)
    task_open(
        title=milestone.title.format(name=plan.patient.given_name),
        detail=milestone.detail.format(name=plan.patient.given_name),
        source=Task.Source.TRANSITION,
        assignee=assignee,
        team=team,
        patient=plan.patient,
        due_on=max(due, today),
        source_key=task_key(plan, milestone),
        link_url=f"/patients/{plan.patient_id}/transition/",
    )


def milestone_tasks_open(*, today: datetime.date, plans: QuerySet[TransitionPlan] | None = None) -> int:
    """Each milestone's task once, from ``lead_days`` before it falls due (for every live plan, or
    for ``plans``)."""
    milestones = list(Milestone.objects.filter(is_active=True))
    live = Q(patient__status=Patient.Status.ACTIVE) | Q(status=TransitionPlan.Status.TRANSFERRED)
    chosen = TransitionPlan.objects.all() if plans is None else plans
    rows = list(chosen.filter(live).select_related("patient__named_nurse", "named_worker"))
    wanted = {}
    for plan in rows:
        for milestone in milestones:
            due = due_on(milestone, plan)
            if due is not None and due - datetime.timedelta(days=milestone.lead_days) <= today:
                wanted[task_key(plan, milestone)] = (plan, milestone, due)
    existing = set(Task.objects.filter(source_key__in=list(wanted)).values_list("source_key", flat=True))
    for key, (plan, milestone, due) in wanted.items():
        if key not in existing:
            with transaction.atomic():
                _open(plan, milestone, due, today)
    return len(wanted) - len(existing)


def transition_daily(*, today: datetime.date | None = None) -> tuple[int, int]:
    """The beat job: (plans opened, milestone tasks opened)."""
    today = today or timezone.localdate()
    return plans_open_due(today=today), milestone_tasks_open(today=today)
