"""Writes that keep their django-simple-history row with the acting user, through one helper.

Never call ``QuerySet.update()`` on a model with history: use ``update_with_history`` so each changed
row still gets its history entry and actor.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models
from simple_history.utils import bulk_update_with_history


def _has_history(model: type[models.Model]) -> bool:
    return hasattr(model, "history")


def save_with_history(
    instance: models.Model, *, actor: Any, update_fields: Iterable[str] | None = None
) -> None:
    """Save, recording ``actor`` as the history user (a no-op extra for models without history)."""
    if _has_history(type(instance)):
        instance._history_user = actor  # type: ignore[attr-defined]
    instance.save(update_fields=list(update_fields) if update_fields is not None else None)


def update_with_history(queryset: models.QuerySet, *, actor: Any, **values: Any) -> int:
    """A set-based update that still writes one history row per changed row, with its actor."""
    model = queryset.model
    if not _has_history(model):
        return queryset.update(**values)
    rows = list(queryset)
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
    if rows:
        bulk_update_with_history(rows, model, list(values), default_user=actor)
    return len(rows)
