"""Task writes. ``task_open`` is the building block other apps call inside their own transaction.

Every change of status goes through ``TASK`` (the one Transitions helper), which writes a TaskEvent:
one locked row at a time (claim, start, cancel) or set-based for a batch (completion, passing back).
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.notifications.services import notification_create, notifications_create_bulk
from carecoord import patient_scope
from carecoord.attention import patient_attention_changed
from carecoord.errors import ApplicationError
from carecoord.transitions import Transitions

from .cover import cover_for, cover_specs
from .models import Task, TaskComment, TaskEvent
from .permissions import can_work_task

Status = Task.Status
OPEN = (Status.OPEN, Status.IN_PROGRESS)


def _event(task: Task, before: str, after: str, actor: User | None, note: str) -> TaskEvent:
    return TaskEvent(task=task, from_status=before, to_status=after, actor=actor, note=note[:300])


# Claimed or started work goes back to open when it is passed back to a queue; done and cancelled are final.
TASK = Transitions(
    "task",
    {
        Status.OPEN: {Status.IN_PROGRESS, Status.DONE, Status.CANCELLED},
        Status.IN_PROGRESS: {Status.OPEN, Status.DONE, Status.CANCELLED},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    },
    label=lambda state: Status(state).label,
    event=_event,
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)


def task_open(
    *,
    title: str,
    source: str,
    team: Team | None = None,
    assignee: User | None = None,
    patient: Model | None = None,  # a patients.Patient: tasks sit below patients
    due_on: datetime.date | None = None,
    priority: int = Task.Priority.NORMAL,
    detail: str = "",
    source_key: str | None = None,
    link_url: str = "",
    created_by: User | None = None,
) -> Task:
    """Open a task in the caller's transaction. With ``source_key``, a second call returns the first task."""
    if team is None and assignee is None:
        raise ValidationError("A task needs a person or a team queue.")
    assignee, team, cover_note = cover_for(assignee, team)  # someone away: their team's queue (HAZ-14)
    detail = f"{detail}\n\n{cover_note}".strip() if cover_note else detail
    fields = {
        "title": title[:200],
        "source": source,
        "team": team,
        "assignee": assignee,
        "patient": patient,
        "due_on": due_on,
        "priority": priority,
        "detail": detail,
        "link_url": link_url,
        "created_by": created_by,
    }
    # A savepoint, so a racing duplicate key leaves the caller's transaction usable.
    with transaction.atomic():
        if source_key:
            task, created = Task.objects.get_or_create(source_key=source_key, defaults=fields)
        else:
            task, created = Task.objects.create(**fields), True
    if created:
        patient_attention_changed([task.patient_id])
    if created and assignee is not None and assignee != created_by:
        notification_create(
            recipient=assignee,
            kind="task_assigned",
            title=f"New task: {task.title}",
            url="/tasks/",
            patient_id=patient.pk if patient else None,
            email=priority >= Task.Priority.HIGH,
        )
    return task


def tasks_open_bulk(specs: list[dict[str, Any]]) -> dict[str, Task]:
    """``task_open`` for a batch, in a constant number of queries: for beat jobs. Returns tasks by key.

    Each spec holds ``task_open``'s arguments and must have a ``source_key``. Rows are inserted with
    ON CONFLICT DO NOTHING on that key, so a second run (or a racing one) opens nothing twice; the
    tasks are read back by key. Assignees of tasks this call opened get one notification each, in bulk.
    """
    if not specs:
        return {}
    specs = cover_specs(specs)  # someone away: their team's queue (HAZ-14)
    for spec in specs:
        if not spec.get("source_key"):
            raise ValidationError("A task opened in bulk needs a source key.")
        if spec.get("team") is None and spec.get("assignee") is None:
            raise ValidationError("A task needs a person or a team queue.")
    keys = [spec["source_key"] for spec in specs]
    existing = set(Task.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    fresh = [spec for spec in specs if spec["source_key"] not in existing]
    Task.objects.bulk_create(
        [Task(**{**spec, "title": spec["title"][:200]}) for spec in fresh], ignore_conflicts=True
    )
    opened = {task.source_key: task for task in Task.objects.filter(source_key__in=keys)}
    patient_attention_changed(spec["patient"].pk for spec in fresh if spec.get("patient") is not None)
    notices = [
        {
            "recipient": spec["assignee"],
            "kind": "task_assigned",
            "title": f"New task: {opened[spec['source_key']].title}",
            "url": "/tasks/",
            "patient_id": spec["patient"].pk if spec.get("patient") else None,
            "email": spec.get("priority", Task.Priority.NORMAL) >= Task.Priority.HIGH,
        }
        for spec in fresh
        if spec.get("assignee") is not None and spec["assignee"] != spec.get("created_by")
    ]
    notifications_create_bulk(notices)
    return opened  # type: ignore[return-value]


def task_create(
    *,
    actor: User,
    title: str,
    team: Team | None = None,
    assignee: User | None = None,
    patient: Model | None = None,  # a patients.Patient: tasks sit below patients
    due_on: datetime.date | None = None,
    priority: int = Task.Priority.NORMAL,
    detail: str = "",
) -> Task:
    """A member of staff writes a task by hand."""
    if roles.staff_role(actor) is None:
        raise PermissionDenied("Only staff can create tasks.")
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Enter what needs doing."
    if team is None and assignee is None:
        errors["assignee"] = "Choose a person or a team queue."
    if assignee is not None and roles.staff_role(assignee) is None:
        errors["assignee"] = "Tasks can only be given to active staff."
    elif assignee is not None and patient is not None and not _can_see(assignee, patient):
        errors["assignee"] = (
            f"{assignee} is not looking after this child, so cannot be given a task about them."
        )
    if priority not in Task.Priority.values:
        errors["priority"] = "Choose a priority."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        return task_open(
            title=title.strip(),
            source=Task.Source.MANUAL,
            team=team,
            assignee=assignee,
            patient=patient,
            due_on=due_on,
            priority=priority,
            detail=detail.strip(),
            created_by=actor,
        )


def _can_see(user: User, patient: Model) -> bool:
    return patient_scope.can_see(user, patient.pk)


def _require_worker(actor: User, task: Task) -> None:
    _require_workers(actor, [task])


def _require_workers(actor: User, tasks: list[Task]) -> None:
    """The actor must be the assignee or on the team of every task (one query for their teams)."""
    teams = set(roles.team_ids(actor))
    for task in tasks:
        if not can_work_task(actor, task, teams=teams):
            raise PermissionDenied("Only the assignee or a member of the task's team can do this.")


def _locked(task: Task) -> Task:
    """The row, locked for this transaction (a second claimant waits here, then sees the first's claim)."""
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("patient", "assignee", "team")
        .get(pk=task.pk)
    )


def task_claim(*, actor: User, task: Task) -> Task:
    """A team member takes an unclaimed queue task. Exactly one of two racing claimants wins."""
    _require_worker(actor, task)
    with transaction.atomic(durable=True):
        locked = _locked(task)
        if locked.assignee_id is not None or not TASK.can(locked.status, Status.IN_PROGRESS):
            holder = f" by {locked.assignee}" if locked.assignee_id else ""
            raise ApplicationError.stale(f"This task has already been taken{holder}.")
        return TASK.move(locked, Status.IN_PROGRESS, actor=actor, note="Claimed", assignee=actor)


def task_start(*, actor: User, task: Task) -> Task:
    """Start work; a task already in progress stays as it is."""
    _require_worker(actor, task)
    with transaction.atomic(durable=True):
        locked = _locked(task)
        if locked.status == Status.IN_PROGRESS:
            return locked
        return TASK.move(
            locked, Status.IN_PROGRESS, actor=actor, expected=Status.OPEN, assignee=locked.assignee or actor
        )


def task_complete(*, actor: User, task: Task, note: str = "") -> Task:
    """Mark done. Completing a task that is already done changes nothing and is not an error."""
    _require_worker(actor, task)
    with transaction.atomic(durable=True):
        locked = _locked(task)
        if locked.status == Status.CANCELLED:
            raise ApplicationError.stale("This task was cancelled.")
        _complete(actor=actor, tasks=Task.objects.filter(pk=locked.pk), note=note)
        return Task.objects.select_related("patient", "assignee", "team").get(pk=locked.pk)


def _complete(*, actor: User | None, tasks: QuerySet[Task], note: str = "") -> int:
    """Mark the open ones among these tasks done, set-based; a task already done or cancelled is left alone."""
    done = TASK.move_many(
        tasks, Status.DONE, actor=actor, note=note, completed_at=timezone.now(), completed_by=actor
    )
    if note.strip() and actor is not None:
        TaskComment.objects.bulk_create(TaskComment(task_id=i, author=actor, body=note.strip()) for i in done)
    return len(done)


def tasks_complete_for_sources(*, source_keys: Iterable[str], actor: User | None = None) -> int:
    """Close generated tasks whose reason has gone (called inside the caller's transaction)."""
    return _complete(actor=actor, tasks=Task.objects.filter(source_key__in=list(source_keys)))


def tasks_bulk_complete(*, actor: User, tasks: Iterable[Task]) -> int:
    tasks = list(tasks)
    _require_workers(actor, tasks)
    with transaction.atomic(durable=True):
        return _complete(actor=actor, tasks=Task.objects.filter(pk__in=[t.pk for t in tasks]))


def task_cancel(*, actor: User, task: Task, reason: str) -> Task:
    _require_worker(actor, task)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    with transaction.atomic(durable=True):
        locked = _locked(task)
        if not TASK.can(locked.status, Status.CANCELLED):
            raise ApplicationError.stale("Only an open task can be cancelled.")
        TASK.move(locked, Status.CANCELLED, actor=actor, note=reason.strip())
        TaskComment.objects.create(task=locked, author=actor, body=f"Cancelled: {reason.strip()}")
    return locked


def tasks_reassign(
    *, actor: User, tasks: Iterable[Task], assignee: User | None = None, team: Team | None = None
) -> int:
    """Give tasks to a person, or back to a team queue (unclaimed): another team's, or their own."""
    tasks = list(tasks)
    if assignee is None and team is None and any(t.team_id is None for t in tasks):
        raise ValidationError({"assignee": "Choose a person or a team queue."})
    if assignee is not None and roles.staff_role(assignee) is None:
        raise ValidationError({"assignee": "Tasks can only be given to active staff."})
    if assignee is not None:
        children = {t.patient_id for t in tasks if t.patient_id}
        seen = set(
            patient_scope.visible_patients(assignee).filter(pk__in=children).values_list("pk", flat=True)
        )
        if children - seen:
            raise ValidationError(
                {"assignee": f"{assignee} is not looking after every child these tasks are about."}
            )
    _require_workers(actor, tasks)
    with transaction.atomic(durable=True):
        # Lock the open ones first, so a claim racing this waits and then sees the new owner.
        ids = list(
            Task.objects.select_for_update()
            .filter(pk__in=[t.pk for t in tasks], status__in=OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if assignee is None:  # back to a queue: work in progress is open again
            back = "Passed back to the queue" if team is None else f"Passed to the {team} queue"
            TASK.move_many(
                Task.objects.filter(pk__in=ids, status=Status.IN_PROGRESS),
                Status.OPEN,
                actor=actor,
                note=back,
            )
        changes: dict = {"assignee": assignee, **({"team": team} if team is not None else {})}
        count = Task.objects.filter(pk__in=ids).update(**changes)  # Task keeps no simple-history
        if assignee is not None and assignee != actor:
            notification_create(
                recipient=assignee,
                kind="task_assigned",
                title=f"{count} task(s) passed to you",
                url="/tasks/",
                email=False,
            )
    return count


def task_comment(*, actor: User, task: Task, body: str) -> TaskComment:
    _require_worker(actor, task)
    if not (body or "").strip():
        raise ValidationError({"body": "Write a comment."})
    with transaction.atomic(durable=True):
        return TaskComment.objects.create(task=task, author=actor, body=body.strip())
