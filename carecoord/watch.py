"""Watch periods around relapse triggers, for the apps that act differently while one is open.

The watch itself (its triggers, lengths and history) belongs to ``apps.watch``. Apps beside it
(questionnaires) need only two questions answered, and must not depend on which app answers them, so
the watch app registers its answers at startup (``WatchConfig.ready``). Asking before that is a
configuration error, not "no watch".
"""

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured


class WatchState(NamedTuple):
    reason: str  # plain words: "Weaning prednisolone", "Family reported a fever"
    ends_on: datetime.date


class _Answers(NamedTuple):
    active: Callable[[Iterable[int], datetime.date], dict[int, WatchState]]
    in_watch: Callable[[datetime.date], set[int]]


_answers: _Answers | None = None


def register(
    *,
    active: Callable[[Iterable[int], datetime.date], dict[int, WatchState]],
    in_watch: Callable[[datetime.date], set[int]],
) -> None:
    global _answers
    _answers = _Answers(active, in_watch)


def _registered() -> _Answers:
    if _answers is None:
        raise ImproperlyConfigured("No app answers for watch periods: is apps.watch installed?")
    return _answers


def active_watches(patient_ids: Iterable[int], on: datetime.date) -> dict[int, WatchState]:
    """The open watch of each of these children on ``on``; children with none are left out."""
    return _registered().active(patient_ids, on)


def patients_in_watch(on: datetime.date) -> set[int]:
    """Every child with a watch open on ``on`` (for a daily policy job: one query)."""
    return _registered().in_watch(on)
