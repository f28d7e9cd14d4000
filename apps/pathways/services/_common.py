import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def require(allowed: bool, message: str) -> None:
    """Refuse an actor whose role does not allow the write."""
    if not allowed:
        raise ValidationError(message, code="permission_denied")


def not_in_future(value: datetime.date | None, field: str, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: f"The {label} cannot be in the future."})


def check_transition(table: dict[str, frozenset[str]], current: str, target: str, what: str) -> None:
    """Raise a clear error for a move the table does not allow (including from a stale state)."""
    if target not in table.get(current, frozenset()):
        allowed = ", ".join(sorted(table.get(current, ()))) or "none"
        raise ValidationError(
            f"{what} cannot move from {current.replace('_', ' ')} to {target.replace('_', ' ')}. "
            f"Allowed from {current.replace('_', ' ')}: {allowed.replace('_', ' ')}.",
            code="illegal_transition",
        )
