import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from carecoord.transitions import IllegalMessage


def not_in_future(value: datetime.date | None, field: str, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: f"The {label} cannot be in the future."})


def _words(state: str) -> str:
    return state.replace("_", " ")


def refused_move(what: Callable[[Any], str]) -> IllegalMessage:
    """How the pathway words an illegal move: the row by name, both states, and what is allowed instead.

    "This MIBG scan cannot move from cancelled to booked. Allowed from cancelled: none."
    """

    def message(subject: Any, current: str, target: str, allowed: frozenset[str]) -> str:
        name = what(subject) if subject is not None else "This record"
        allowed_text = ", ".join(sorted(allowed)) or "none"
        return (
            f"{name} cannot move from {_words(current)} to {_words(target)}. "
            f"Allowed from {_words(current)}: {_words(allowed_text)}."
        )

    return message
