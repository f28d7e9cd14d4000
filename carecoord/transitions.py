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

A machine whose refusals name the row ("The Neurology track cannot move from ...") passes
``stale_message`` and ``illegal_message``; ``event_fields`` carries what the event row needs beyond
who, when, from, to and note (the date a course change takes effect); ``apply`` makes one move of
several that are saved together, and ``create`` saves a new row with the event that opens its history.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models

from .errors import ApplicationError
from .history import save_with_history

# (subject, before, after, actor, note, **event_fields) -> an unsaved event row
EventFactory = Callable[..., models.Model]
StaleMessage = Callable[[Any, str], str]  # (subject, current) -> message
IllegalMessage = Callable[[Any, str, str, frozenset[str]], str]  # (subject, current, target, allowed)


class Transitions:
    def __init__(
        self,
        name: str,
        table: Mapping[str, Iterable[str]],
        *,
        label: Callable[[str], str] | None = None,
        event: EventFactory | None = None,
        field: str = "status",
        stale_message: StaleMessage | None = None,
        illegal_message: IllegalMessage | None = None,
    ) -> None:
        self.name = name
        self.table: dict[str, frozenset[str]] = {
            str(k): frozenset(str(v) for v in vs) for k, vs in table.items()
        }
        self._label = label or (lambda state: state.replace("_", " "))
        self._event = event
        self.field = field
        self._stale_message = stale_message
        self._illegal_message = illegal_message

    def label(self, state: str) -> str:
        return str(self._label(state)).lower()

    def allowed_from(self, state: str) -> frozenset[str]:
        """The states reachable in one move from ``state`` (what a page may offer)."""
        return self.table.get(str(state), frozenset())

    def can(self, current: str, target: str) -> bool:
        return str(target) in self.allowed_from(current)

    def check(
        self,
        current: str,
        target: str,
        *,
        expected: str | Iterable[str] | None = None,
        subject: Any = None,
    ) -> None:
        """Refuse a move from a state other than the one the caller saw (stale), or one the table forbids."""
        if expected is not None:
            seen = {str(expected)} if isinstance(expected, str) else {str(s) for s in expected}
            if str(current) not in seen:
                raise ApplicationError.stale(
                    self._stale_message(subject, str(current))
                    if self._stale_message
                    else f"This {self.name} is now {self.label(current)}; someone changed it a moment ago."
                )
        if not self.can(current, target):
            raise ApplicationError.illegal_transition(
                self._illegal_message(subject, str(current), str(target), self.allowed_from(current))
                if self._illegal_message
                else f"A {self.name} that is {self.label(current)} cannot be {self.label(target)}."
            )

    def apply(
        self,
        locked: models.Model,
        to: str,
        *,
        actor: Any,
        note: str = "",
        expected: str | Iterable[str] | None = None,
        event_fields: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> list[str]:
        """Check one move, write its event row and set the fields, without saving the row.

        For a service that makes several moves saved as one change; returns the fields to save.
        """
        current = getattr(locked, self.field)
        self.check(current, to, expected=expected, subject=locked)
        if self._event is not None:
            self._event(locked, str(current), str(to), actor, note, **(event_fields or {})).save()
        setattr(locked, self.field, to)
        for name, value in fields.items():
            setattr(locked, name, value)
        return [self.field, *fields]

    def move(
        self,
        locked: models.Model,
        to: str,
        *,
        actor: Any,
        note: str = "",
        expected: str | Iterable[str] | None = None,
        event_fields: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> models.Model:
        """Check and apply one move to a row the caller has locked, inside the caller's transaction.

        Writes the event row (when the table has one) and saves the row's history with its actor.
        """
        changed = self.apply(
            locked, to, actor=actor, note=note, expected=expected, event_fields=event_fields, **fields
        )
        save_with_history(locked, actor=actor, update_fields=changed)
        return locked

    def create(
        self,
        instance: models.Model,
        *,
        actor: Any,
        note: str = "",
        event_fields: Mapping[str, Any] | None = None,
    ) -> models.Model:
        """Save a new row in its first state, with its history and the event that opens it (from "")."""
        save_with_history(instance, actor=actor)
        if self._event is not None:
            first = str(getattr(instance, self.field))
            self._event(instance, "", first, actor, note, **(event_fields or {})).save()
        return instance
