"""Claims for beat jobs: INSERT ... ON CONFLICT DO NOTHING RETURNING, so a run learns which rows it won.

``bulk_create(ignore_conflicts=True)`` cannot tell which rows went in. A job that must notify exactly
once per claim (a reminder) needs to know, so that two racing runs never both send.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict

_BATCH = 1000


def claims_insert(objs: Sequence[models.Model], *, returning: Sequence[str]) -> list[tuple[Any, ...]]:
    """Insert the rows that clash with no unique key; return ``returning``'s values for those inserted."""
    if not objs:
        return []
    model = type(objs[0])
    opts = model._meta
    fields = [f for f in opts.concrete_fields if f is not opts.auto_field]
    wanted = [opts.get_field(name) for name in returning]
    won: list[tuple[Any, ...]] = []
    for start in range(0, len(objs), _BATCH):
        batch = list(objs[start : start + _BATCH])
        for obj in batch:
            for field in fields:  # defaults such as created_at, as save() would set them
                field.pre_save(obj, add=True)
        rows = model._base_manager._insert(  # type: ignore[attr-defined]
            batch,
            fields=fields,
            returning_fields=wanted,
            on_conflict=OnConflict.IGNORE,
            using=connection.alias,
        )
        # One row that clashed comes back as [None] (Django fetches one row for a one-row insert).
        won.extend(tuple(row) for row in rows or [] if row is not None)
    return won
