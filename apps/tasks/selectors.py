"""Worklists. A member of staff sees tasks assigned to them and their teams' queues."""

import datetime

from django.db.models import Count, F, OrderBy, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser
from carecoord import patient_scope

from .models import Task
from .services import TASK

OPEN = (Task.Status.OPEN, Task.Status.IN_PROGRESS)
WORKLISTS = {
    "mine": "My tasks",
    "team": "My teams' queues",
    "overdue": "Overdue",
    "done": "Done recently",
}
# How an open worklist can be ordered; the first is the default. Urgent work leads so that a
# symptom report is never buried under routine overdue reviews.
SORTS = {
    "urgency": "urgency, then due date",
    "due": "due date, then urgency",
}


def _ordering(sort: str) -> list[OrderBy | str]:
    due = F("due_on").asc(nulls_last=True)
    if sort == "due":  # pk last: a page boundary never splits equal rows differently on each page
        return [due, "-priority", "created_at", "pk"]
    return ["-priority", due, "created_at", "pk"]


def tasks_visible_to(user: AnyUser) -> QuerySet[Task]:
    if roles.staff_role(user) is None:
        return Task.objects.none()
    mine = Q(assignee=user) | Q(team__in=roles.team_ids(user))
    # A task about a child is shown only to someone who may see that child (access.py decides).
    in_scope = Q(patient__isnull=True) | Q(patient__in=patient_scope.visible_patient_ids(user))
    return Task.objects.filter(mine & in_scope).select_related("patient", "assignee", "team")


def task_get(*, user: AnyUser, pk: int) -> Task:
    return get_object_or_404(tasks_visible_to(user), pk=pk)


def worklist(
    *,
    user: User,
    name: str,
    patient_id: int | None = None,
    source: str = "",
    priority: int | None = None,
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
    sort: str = "urgency",
) -> QuerySet[Task]:
    """One worklist, urgent first then by due date unless ``sort="due"``; done work newest first."""
    tasks = tasks_visible_to(user)
    today = timezone.localdate()
    if name == "mine":
        tasks = tasks.filter(assignee=user, status__in=OPEN)
    elif name == "team":
        tasks = tasks.filter(team__in=roles.team_ids(user), assignee__isnull=True, status__in=OPEN)
    elif name == "overdue":
        tasks = tasks.filter(status__in=OPEN, due_on__lt=today)
    elif name == "done":
        tasks = tasks.filter(
            status=Task.Status.DONE, completed_at__gte=timezone.now() - datetime.timedelta(days=14)
        )
        return _filtered(tasks, patient_id, source, priority, due_from, due_to).order_by(
            "-completed_at", "-pk"
        )
    else:
        return Task.objects.none()
    return _filtered(tasks, patient_id, source, priority, due_from, due_to).order_by(*_ordering(sort))


def _filtered(
    tasks: QuerySet[Task],
    patient_id: int | None,
    source: str,
    priority: int | None,
    due_from: datetime.date | None,
    due_to: datetime.date | None,
) -> QuerySet[Task]:
    if patient_id:
        tasks = tasks.filter(patient_id=patient_id)
    if source:
        tasks = tasks.filter(source=source)
    if priority:
        tasks = tasks.filter(priority=priority)
    if due_from:
        tasks = tasks.filter(due_on__gte=due_from)
    if due_to:
        tasks = tasks.filter(due_on__lte=due_to)
    return tasks


def worklist_counts(*, user: User) -> dict[str, int]:
    """How many tasks are in each open worklist, in one query."""
    today = timezone.localdate()
    teams = roles.team_ids(user)
    # Open rows first, so the partial indexes on open tasks are read, not every task ever assigned.
    return (
        tasks_visible_to(user)
        .filter(status__in=OPEN)
        .aggregate(
            mine=Count("pk", filter=Q(assignee=user)),
            team=Count("pk", filter=Q(team__in=teams, assignee__isnull=True)),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
        )
    )


def task_actions(task: Task) -> frozenset[str]:
    """What a page offers for this task now, from the one table: "claim" (an unclaimed task), or
    "complete" (someone's task), and "cancel"."""
    allowed = TASK.allowed_from(task.status)
    actions = set()
    if task.assignee_id is None and Task.Status.IN_PROGRESS in allowed:
        actions.add("claim")
    elif Task.Status.DONE in allowed:
        actions.add("complete")
    if Task.Status.CANCELLED in allowed:
        actions.add("cancel")
    return frozenset(actions)
