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

A refusal names the row as ``subject(row)`` says ("The Neurology track"; "This referral" by default),
and ``illegal`` words an illegal move from {name}, {subject}, {current}, {target} and {allowed}.
``event_fields`` carries what an event row needs beyond who, when, from, to and note (the date a course
change takes effect); ``apply`` makes one of several moves saved as one change, and ``create`` saves a
new row with the event that opens its history.
``move_many`` is the set-based form (bulk completion): one locking read, one bulk insert of events and
one update for the whole batch.

``patient`` names the child a row is about (``lambda row: row.patient_id``) for a state machine whose
states count in a child's needs-attention score: ``move``, ``create`` and ``move_many`` then call
``carecoord.attention.patient_attention_changed`` after saving, in the same transaction. A service
that uses ``apply`` saves the row itself, so it calls the hook itself.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

from .attention import patient_attention_changed
from .errors import ApplicationError
from .history import save_with_history, update_with_history

# (row, before, after, actor, note, **event_fields) -> an unsaved event row
EventFactory = Callable[..., models.Model]
Row = TypeVar("Row", bound=models.Model)


class Transitions:
    def __init__(
        self,
        name: str,
        table: Mapping[str, Iterable[str]],
        *,
        label: Callable[[str], str] | None = None,
        event: EventFactory | None = None,
        field: str = "status",
        illegal: str = "A {name} that is {current} cannot be {target}.",
        subject: Callable[[Any], str] | None = None,
        patient: Callable[[Any], int | None] | None = None,
    ) -> None:
        self.name = name
        self.table: dict[str, frozenset[str]] = {
            str(k): frozenset(str(v) for v in vs) for k, vs in table.items()
        }
        self._label = label or (lambda state: state.replace("_", " "))
        self._event = event
        self.field = field
        self._illegal = illegal
        self._subject = subject
        self._patient = patient

    def _changed(self, rows: Iterable[Any]) -> None:
        if self._patient is not None:
            patient_attention_changed(self._patient(row) for row in rows)

    def label(self, state: str) -> str:
        return str(self._label(state)).lower()

    def allowed_from(self, state: str) -> frozenset[str]:
        """The states reachable in one move from ``state`` (what a page may offer)."""
        return self.table.get(str(state), frozenset())

    def can(self, current: str, target: str) -> bool:
        return str(target) in self.allowed_from(current)

    def _named(self, row: Any) -> str:
        return self._subject(row) if self._subject is not None and row is not None else f"This {self.name}"

    def check(
        self,
        current: str,
        target: str,
        *,
        expected: str | Iterable[str] | None = None,
        subject: Any = None,
    ) -> None:
        """Refuse a move from a state other than the one the caller saw (stale), or one the table forbids.

        ``subject`` is the row, for a refusal that names it.
        """
        if expected is not None:
            seen = {str(expected)} if isinstance(expected, str) else {str(s) for s in expected}
            if str(current) not in seen:
                raise ApplicationError.stale(
                    f"{self._named(subject)} is now {self.label(current)}; someone changed it a moment ago."
                )
        if not self.can(current, target):
            allowed = ", ".join(sorted(self.label(s) for s in self.allowed_from(current))) or "none"
            raise ApplicationError.illegal_transition(
                self._illegal.format(
                    name=self.name,
                    subject=self._named(subject),
                    current=self.label(current),
                    target=self.label(target),
                    allowed=allowed,
                )
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
        locked: Row,
        to: str,
        *,
        actor: Any,
        note: str = "",
        expected: str | Iterable[str] | None = None,
        event_fields: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Row:
        """Check and apply one move to a row the caller has locked, inside the caller's transaction.

        Writes the event row (when the table has one; its factory sees the row as it stood before the
        move) and saves the row's history with its actor.
        """
        changed = self.apply(
            locked, to, actor=actor, note=note, expected=expected, event_fields=event_fields, **fields
        )
        save_with_history(locked, actor=actor, update_fields=changed)
        self._changed([locked])
        return locked

    def create(
        self,
        instance: Row,
        *,
        actor: Any,
        note: str = "",
        event_fields: Mapping[str, Any] | None = None,
    ) -> Row:
        """Save a new row in its first state, with its history and the event that opens it (from "")."""
        save_with_history(instance, actor=actor)
        if self._event is not None:
            first = str(getattr(instance, self.field))
            self._event(instance, "", first, actor, note, **(event_fields or {})).save()
        self._changed([instance])
        return instance

    def move_many(
        self, queryset: models.QuerySet, to: str, *, actor: Any, note: str = "", **fields: Any
    ) -> list[int]:
        """Move every row of ``queryset`` that the table allows to ``to``, set-based, inside the caller's
        transaction; rows it does not allow are left alone. Returns the ids moved.

        The rows are locked in id order (so two batches never deadlock), their events are written in one
        bulk insert and the rows changed in one update that keeps their history.
        """
        locked = list(queryset.select_for_update(of=("self",)).order_by("pk"))
        rows = [row for row in locked if self.can(getattr(row, self.field), to)]
        if not rows:
            return []
        if self._event is not None:
            events = [self._event(row, str(getattr(row, self.field)), str(to), actor, note) for row in rows]
            type(events[0])._default_manager.bulk_create(events)
        ids = [row.pk for row in rows]
        update_with_history(
            queryset.model._default_manager.filter(pk__in=ids), actor=actor, **{self.field: to, **fields}
        )
        self._changed(rows)
        return ids


def expecting(own: str | Iterable[str], seen: str | None) -> frozenset[str]:
    """The states a move may start from: the service's own (a move from elsewhere is stale, not illegal),
    narrowed to the one the caller saw when it says so. Both must hold, or the move is refused as stale."""
    states = frozenset({str(own)} if isinstance(own, str) else {str(s) for s in own})
    return states if seen is None else states & {str(seen)}
