"""The facts a row's words read (when a report came in, which team, the last contact), stored beside
the score so that a caseload page builds its reasons from the stored row instead of recomputing
every flag of its 50 children on each read.

A fact is one of the flags' word annotations (``flags.FlagSql.annotations``), kept in
``AttentionScore.facts`` as text: a date as ``YYYY-MM-DD``, a moment in UTC with microseconds, a
name as it is. Python (``to_text``) and PostgreSQL (``sql_text``, for the beat job's single
statement) write the same text for the same value, so an idle refresh finds nothing to rewrite.
"""

import datetime
import functools
from collections.abc import Mapping
from typing import Any, Literal

from django.db.models import CharField, DateField, DateTimeField, TextField

from apps.patients.models import Patient

from .flags import flag_sql
from .words import Clock

Kind = Literal["date", "datetime", "text"]
MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
SQL_MOMENT_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


@functools.cache
def fact_kinds() -> dict[str, Kind]:
    """Every word annotation of every flag, by name, with the kind of value it holds."""
    words = {
        name: expr for flag in flag_sql(Clock.current()).values() for name, expr in flag.annotations.items()
    }
    resolved = Patient.objects.annotate(**words).query.annotations  # resolving gives each its SQL type
    return {name: _kind(resolved[name].output_field) for name in words}


def _kind(field: Any) -> Kind:
    if isinstance(field, DateTimeField):  # before DateField: a DateTimeField is one
        return "datetime"
    if isinstance(field, DateField):
        return "date"
    if isinstance(field, (CharField, TextField)):
        return "text"
    # A number (or anything else) would come back as text and mislead its words: give it a kind first.
    raise TypeError(f"A caseload fact of type {type(field).__name__} has no stored form yet.")


def to_text(value: Any, kind: Kind) -> str:
    if kind == "datetime":
        return value.astimezone(datetime.UTC).strftime(MOMENT_FORMAT)
    if kind == "date":
        return value.isoformat()
    return str(value)


def from_text(text: str, kind: Kind) -> Any:
    if kind == "datetime":
        return datetime.datetime.strptime(text, MOMENT_FORMAT).replace(tzinfo=datetime.UTC)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    return text


def stored_facts(values: Mapping[str, Any]) -> dict[str, str]:
    """A row's facts (an annotated row's values) as ``AttentionScore.facts`` keeps them: no NULLs."""
    return {
        name: to_text(values[name], kind) for name, kind in fact_kinds().items() if values[name] is not None
    }


def read_facts(facts: Mapping[str, str]) -> dict[str, Any]:
    """``AttentionScore.facts`` back as values, every fact named (None where there was none)."""
    kinds = fact_kinds()
    return {name: from_text(facts[name], kind) if name in facts else None for name, kind in kinds.items()}


def sql_text(column: str, kind: Kind) -> str:
    """PostgreSQL's text for a fact column, the same as ``to_text`` (the session runs in UTC)."""
    if kind == "datetime":
        return f"to_char({column} AT TIME ZONE 'UTC', '{SQL_MOMENT_FORMAT}')"
    if kind == "date":
        return f"to_char({column}, 'YYYY-MM-DD')"
    return f"{column}::text"
