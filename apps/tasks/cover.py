"""Cover for absent staff (HAZ-14): a task for someone who is away, or no longer active, goes to their
team's queue instead; and each morning the open tasks of people who are away are handed to theirs."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.absence import away_until, covering_team
from apps.accounts.models import StaffAbsence, StaffProfile, Team, User

from .models import Task, TaskComment

OPEN = (Task.Status.OPEN, Task.Status.IN_PROGRESS)


def cover_for(assignee: User | None, team: Team | None) -> tuple[User | None, Team | None, str]:
    """(assignee, team, a note for the task) with an absent or inactive assignee replaced by a queue."""
    if assignee is None:
        return assignee, team, ""
    until = away_until(assignee)
    inactive = roles.staff_role(assignee) is None
    if until is None and not inactive:
        return assignee, team, ""
    queue = team or covering_team(assignee)
    if queue is None:
        return assignee, team, ""  # nowhere to send it: better with them than lost
    return None, queue, _note(assignee, until, queue)


def _note(user: User, until: datetime.date | None, queue: Team) -> str:
    why = f"is away until {until:%d %b %Y}" if until else "is no longer active"
    return f"{user.full_name} {why}, so this went to the {queue} queue."


def cover_specs(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``cover_for`` for a batch of task specs (bulk opening): one query, and more only when someone in
    the batch is away or no longer active (who they are, and their team)."""
    ids = {spec["assignee"].pk for spec in specs if spec.get("assignee") is not None}
    if not ids:
        return specs
    # One query: each person's absence today (the latest end) and whether they are active staff.
    last_day_away = (
        StaffAbsence.objects.on(timezone.localdate())
        .filter(user=OuterRef("pk"))
        .order_by("-ends_on")
        .values("ends_on")[:1]
    )
    rows = (
        User.objects.filter(pk__in=ids)
        .annotate(
            away_until=Subquery(last_day_away),
            has_profile=Exists(StaffProfile.objects.filter(user=OuterRef("pk"))),
        )
        .values_list("pk", "is_active", "kind", "has_profile", "away_until")
    )
    away: dict[int, datetime.date] = {}
    working: set[int] = set()
    for pk, is_active, kind, has_profile, until in rows:
        if until is not None:
            away[pk] = until
        if is_active and kind == User.Kind.STAFF and has_profile:
            working.add(pk)
    needing = (ids - working) | set(away)
    if not needing:
        return specs
    people = {user.pk: user for user in User.objects.filter(pk__in=needing).select_related("staff_profile")}
    covered = []
    for spec in specs:
        assignee = spec.get("assignee")
        if assignee is None or assignee.pk not in needing:
            covered.append(spec)
            continue
        queue = spec.get("team") or covering_team(people[assignee.pk])
        if queue is None:  # nowhere to send it: better with them than lost
            covered.append(spec)
            continue
        note = _note(people[assignee.pk], away.get(assignee.pk), queue)
        detail = f"{spec.get('detail', '')}\n\n{note}".strip()
        covered.append({**spec, "assignee": None, "team": queue, "detail": detail})
    return covered


def tasks_hand_over_absent(*, today: datetime.date | None = None) -> int:
    """Beat job: open tasks of people away today go to their team's queue, with a comment saying why."""
    today = today or timezone.localdate()
    away = StaffAbsence.objects.on(today).values_list("user_id", flat=True)
    tasks = list(
        Task.objects.filter(assignee_id__in=away, status__in=OPEN).select_related(
            "assignee__staff_profile", "team"
        )
    )
    moved = 0
    for task in tasks:
        assignee = task.assignee
        if assignee is None:  # filtered on assignee above; here for the type checker
            continue
        _, queue, note = cover_for(assignee, task.team)
        if queue is None:
            continue
        with transaction.atomic():
            if not Task.objects.filter(pk=task.pk, assignee=assignee, status__in=OPEN).update(
                assignee=None, team=queue, status=Task.Status.OPEN
            ):
                continue
            TaskComment.objects.create(task=task, author=assignee, body=f"Handed over: {note}")
        moved += 1
    return moved
