"""A child's needs-attention inputs changed: the hook services call, and the caseload listens to.

The caseload stores each child's attention score (``apps.caseload.models.AttentionScore``) so that it
sorts and pages by an index instead of computing every flag of every child on each read. The apps that
own the inputs (tasks, pathways, messaging, referrals, scheduling, patients) sit below the caseload and
may not import it, so they call ``patient_attention_changed(ids)`` inside the transaction of their
change, and the caseload subscribes at startup (``CaseloadConfig.ready``) with a set-based recompute of
those children's rows: the stored score changes in the same transaction as its inputs.

State machines pass ``patient=`` to ``carecoord.transitions.Transitions`` and their moves call this
hook themselves. Time-based parts (an overdue task or re-evaluation, no recent contact) change with
the calendar, not with a write; a beat job refreshes them and repairs any drift.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[frozenset[int]], object]

_listeners: list[Listener] = []
_deferred: ContextVar[set[int] | None] = ContextVar("attention_deferred", default=None)


def subscribe(listener: Listener) -> None:
    """Called once at startup by the app that keeps the stored scores."""
    if listener not in _listeners:
        _listeners.append(listener)


def patient_attention_changed(patient_ids: Iterable[int | None]) -> None:
    """These children's flags may have changed: recompute their stored scores now (in the caller's
    transaction). Ids may repeat or be None (a task about no child); nothing happens for none."""
    ids = frozenset(pk for pk in patient_ids if pk is not None)
    if not ids:
        return
    collecting = _deferred.get()
    if collecting is not None:
        collecting.update(ids)
        return
    for listener in _listeners:
        listener(ids)


@contextmanager
def attention_deferred() -> Iterator[None]:
    """Collect the children changed inside the block and recompute them once, as it ends: for a bulk
    writer that is its own only reader meanwhile (the demo seed makes thousands of changes; recomputing
    after each one was most of its time)."""
    if _deferred.get() is not None:  # nested: the outer block recomputes
        yield
        return
    collected: set[int] = set()
    token = _deferred.set(collected)
    try:
        yield
    finally:
        _deferred.reset(token)
    patient_attention_changed(collected)
