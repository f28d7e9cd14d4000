"""The one state-machine helper: a table of allowed moves, checked and recorded the same way everywhere.

Each state machine (referrals, investigations, courses, tracks, appointments, tasks) declares one
``Transitions`` next to its services::

    REFERRAL = Transitions(
        "referral",
        {Status.DRAFT: {Status.SUBMITTED, Status.CANCELLED}, ...},
        label=lambda state: Status(state).label,
        event=lambda subject, before, after, actor, note: ReferralEvent(...),
    )

A service locks the row and calls ``REFERRAL.move(locked, to, actor=..., note=...)``: the move is
checked against the table (and against the state the caller saw, so a move from a stale state is
refused), the event row is written, and the row is saved with its history in the same transaction.
Views and templates offer exactly ``allowed_from(state)``.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models

from .errors import ApplicationError
from .history import save_with_history

EventFactory = Callable[[Any, str, str, Any, str], models.Model]


class Transitions:
    def __init__(
        self,
        name: str,
        table: Mapping[str, Iterable[str]],
        *,
        label: Callable[[str], str] | None = None,
        event: EventFactory | None = None,
        field: str = "status",
    ) -> None:
        self.name = name
        self.table: dict[str, frozenset[str]] = {
            str(k): frozenset(str(v) for v in vs) for k, vs in table.items()
        }
        self._label = label or (lambda state: state.replace("_", " "))
        self._event = event
        self.field = field

    def label(self, state: str) -> str:
        return str(self._label(state)).lower()

    def allowed_from(self, state: str) -> frozenset[str]:
        """The states reachable in one move from ``state`` (what a page may offer)."""
        return self.table.get(str(state), frozenset())

    def can(self, current: str, target: str) -> bool:
        return str(target) in self.allowed_from(current)

    def check(self, current: str, target: str, *, expected: str | Iterable[str] | None = None) -> None:
        """Refuse a move from a state other than the one the caller saw (stale), or one the table forbids."""
        if expected is not None:
            seen = {str(expected)} if isinstance(expected, str) else {str(s) for s in expected}
            if str(current) not in seen:
                raise ApplicationError.stale(
                    f"This {self.name} is now {self.label(current)}; someone changed it a moment ago."
                )
        if not self.can(current, target):
            raise ApplicationError.illegal_transition(
                f"A {self.name} that is {self.label(current)} cannot be {self.label(target)}."
            )

    def move(
        self,
        locked: models.Model,
        to: str,
        *,
        actor: Any,
        note: str = "",
        expected: str | Iterable[str] | None = None,
        **fields: Any,
    ) -> models.Model:
        """Check and apply one move to a row the caller has locked, inside the caller's transaction.

        Writes the event row (when the table has one) and saves the row's history with its actor.
        """
        current = getattr(locked, self.field)
        self.check(current, to, expected=expected)
        if self._event is not None:
            self._event(locked, str(current), str(to), actor, note).save()
        setattr(locked, self.field, to)
        for name, value in fields.items():
            setattr(locked, name, value)
        save_with_history(locked, actor=actor, update_fields=[self.field, *fields])
        return locked
