import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from carecoord.errors import ApplicationError


def not_in_future(value: datetime.date | None, field: str, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: f"The {label} cannot be in the future."})


def check_transition(table: dict[str, frozenset[str]], current: str, target: str, what: str) -> None:
    """Raise a clear error for a move the table does not allow (including from a stale state)."""
    if target not in table.get(current, frozenset()):
        allowed = ", ".join(sorted(table.get(current, ()))) or "none"
        raise ApplicationError.illegal_transition(
            f"{what} cannot move from {current.replace('_', ' ')} to {target.replace('_', ' ')}. "
            f"Allowed from {current.replace('_', ' ')}: {allowed.replace('_', ' ')}."
        )
