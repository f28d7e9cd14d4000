"""Who may work a task. Tasks know teams and people, never a domain app."""

from collections.abc import Collection

from apps.accounts.models import User
from apps.accounts.roles import team_ids
from apps.accounts.types import AnyUser

from .models import Task


def can_work_task(user: AnyUser, task: Task, *, teams: Collection[int] | None = None) -> bool:
    """The assignee, or any member of the task's team, may work a task (``teams``: the user's, if known)."""
    if not (isinstance(user, User) and user.is_active and user.kind == User.Kind.STAFF):
        return False
    if task.assignee_id == user.pk:
        return True
    return task.team_id is not None and task.team_id in (team_ids(user) if teams is None else teams)
