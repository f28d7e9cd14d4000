"""The children a user may see, for the apps below patients (tasks, notifications, audit).

``apps/patients/access.py`` is the one source of truth for who sees which child. The lower apps keep
rows about a child but may not import patients (the arrows point down), so patients registers its
rules here when Django starts (``PatientsConfig.ready``) and the lower apps ask through this module.
"""

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

Scope = Callable[[Any], QuerySet[Any]]
Bases = Callable[[Any, Iterable[int]], dict[int, str]]
Get = Callable[[Any, Any], Any]
Check = Callable[[Any, Any], bool]


class _Rules(NamedTuple):
    visible: Scope
    visible_ids: Scope
    routine: Scope
    bases: Bases
    get: Get
    can_see: Check


_rules: _Rules | None = None


def register(
    *, visible: Scope, visible_ids: Scope, routine: Scope, bases: Bases, get: Get, can_see: Check
) -> None:
    """Called once at startup by patients with its scoping functions."""
    global _rules
    _rules = _Rules(visible, visible_ids, routine, bases, get, can_see)


def _registered() -> _Rules:
    if _rules is None:
        raise ImproperlyConfigured("No patient scope registered: is apps.patients installed?")
    return _rules


def visible_patients(user: Any) -> QuerySet[Any]:
    """The children this user may see (``apps.patients.access.visible_patients``)."""
    return _registered().visible(user)


def visible_patient_ids(user: Any) -> QuerySet[Any]:
    """Their ids as one column, for ``patient__in=`` on another table
    (``apps.patients.access.visible_patient_ids``)."""
    return _registered().visible_ids(user)


def routinely_visible_patients(user: Any) -> QuerySet[Any]:
    """Staff access without break-glass (``apps.patients.access.routinely_visible_patients``)."""
    return _registered().routine(user)


def can_see(user: Any, patient_id: int) -> bool:
    """Whether ``visible_patients(user)`` holds this child (``apps.patients.access.can_see``)."""
    return _registered().can_see(user, patient_id)


def visible_patient_get(user: Any, pk: int) -> Any:
    """One child this user may see; 404 otherwise (``apps.patients.access.visible_patient_get``)."""
    return _registered().get(user, pk)


def access_bases(user: Any, patient_ids: Iterable[int]) -> dict[int, str]:
    """Why this user sees each child, in one query (``apps.patients.access.access_bases``)."""
    return _registered().bases(user, patient_ids)
