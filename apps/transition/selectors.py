"""Reads for transition plans, each starting from a child the caller may see (404 otherwise)."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.patients.models import CareTeamMember, Patient
from apps.scheduling.models import Appointment
from apps.tasks.models import Task

from .milestones import due_on, task_key
from .models import Milestone, ReadinessCheck, ReadinessItem, TransitionPlan


@dataclass(frozen=True)
class ChecklistRow:
    item: ReadinessItem
    check: ReadinessCheck | None

    @property
    def ready(self) -> bool:
        return bool(self.check and self.check.ready)


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    title: str
    due: datetime.date | None
    task: Task | None

    @property
    def when(self) -> str:
        return when_words(self)


def plan_of(patient: Patient) -> TransitionPlan | None:
    return (
        TransitionPlan.objects.select_related("named_worker", "joint_appointment", "patient__named_nurse")
        .filter(patient=patient)
        .first()
    )


def checklist(plan: TransitionPlan) -> list[ChecklistRow]:
    checks = {c.item_id: c for c in ReadinessCheck.objects.filter(plan=plan).select_related("recorded_by")}
    items = ReadinessItem.objects.filter(is_active=True)
    return [ChecklistRow(item, checks.get(item.pk)) for item in items]


def milestone_rows(plan: TransitionPlan) -> list[MilestoneRow]:
    milestones = list(Milestone.objects.filter(is_active=True))
    keys = [task_key(plan, m) for m in milestones]
    tasks = {t.source_key: t for t in Task.objects.filter(source_key__in=keys).select_related("assignee")}
    name = plan.patient.given_name
    rows = [
        MilestoneRow(m, m.title.format(name=name), due_on(m, plan), tasks.get(task_key(plan, m)))
        for m in milestones
    ]
    return sorted(rows, key=_in_order)


_ANCHOR_ORDER: list[str] = [
    Milestone.Anchor.PLAN_OPENED,
    Milestone.Anchor.BIRTHDAY,
    Milestone.Anchor.BEFORE_TRANSFER,
]


def _in_order(row: MilestoneRow) -> tuple:
    """Dated milestones by date; the rest in the order they will come (before the transfer, then after)."""
    m = row.milestone
    anchor = _ANCHOR_ORDER.index(m.anchor) if m.anchor in _ANCHOR_ORDER else len(_ANCHOR_ORDER)
    days = -m.days if m.anchor == Milestone.Anchor.BEFORE_TRANSFER else m.days
    return (row.due is None, row.due or datetime.date.max, anchor, days)


def when_words(row: MilestoneRow) -> str:
    """When an undated milestone will fall due, in words."""
    m = row.milestone
    if m.anchor == Milestone.Anchor.BEFORE_TRANSFER:
        return f"{m.days} days before the target transfer date, once it is set"
    if m.anchor == Milestone.Anchor.AFTER_TRANSFER:
        return f"{m.days} days after the transfer"
    return m.get_anchor_display()


def worker_choices(patient: Patient) -> QuerySet[User]:
    """Who can be the named worker: the child's current care team and named nurse."""
    today = timezone.localdate()
    members = CareTeamMember.objects.filter(patient=patient, start_date__lte=today).exclude(
        end_date__lt=today
    )
    ids = set(members.values_list("user_id", flat=True)) | {patient.named_nurse_id}
    return User.objects.filter(pk__in=[i for i in ids if i]).order_by("full_name")


def appointment_choices(patient: Patient) -> QuerySet[Appointment]:
    """The child's appointments that could be the joint one: not cancelled, from today on."""
    return (
        Appointment.objects.filter(patient=patient, starts_at__date__gte=timezone.localdate())
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("starts_at")
    )
