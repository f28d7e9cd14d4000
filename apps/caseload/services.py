"""Keeping the stored attention scores (``models.AttentionScore``) equal to their inputs.

``attention_recompute`` runs inside the transaction of the service that changed a child's inputs (it is
subscribed to ``carecoord.attention`` in ``CaseloadConfig.ready``): one read computes the children's
flags with the caseload's own SQL, one upsert writes their rows. ``attention_refresh`` is the beat job:
on PostgreSQL one INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT FROM recomputes every
child with the same SQL and rewrites only the rows that differ (the time-based parts that the calendar
changed, or drift): one query whatever the number of children. A second run writes nothing; two runs at
once write the same values. (SQLite, for development only, walks the children in batches instead.)
"""

from collections.abc import Iterable

from django.db import connection, transaction

from apps.patients.models import Patient

from .models import AttentionScore
from .selectors import WEIGHTS, Clock
from .selectors.facts import fact_kinds, sql_text, stored_facts
from .selectors.rows import with_attention

REFRESH_BATCH = 1000  # children per transaction in the beat job
_STORED = ["clinical_urgency", "administrative_backlog", "attention", "parts", "facts", "computed_at"]


def fresh_scores(patient_ids: Iterable[int], clock: Clock | None = None) -> list[AttentionScore]:
    """These children's scores computed from their inputs now (unsaved rows), in one query."""
    clock = clock or Clock.current()
    rows = with_attention(Patient.objects.filter(pk__in=list(patient_ids)), clock).values(
        "pk", "clinical_urgency", "attention", *WEIGHTS, *fact_kinds()
    )
    return [
        AttentionScore(
            patient_id=row["pk"],
            clinical_urgency=row["clinical_urgency"],
            administrative_backlog=row["attention"] - row["clinical_urgency"],
            attention=row["attention"],
            parts={key: int(row[key]) for key in WEIGHTS},
            facts=stored_facts(row),
            computed_at=clock.now,
        )
        for row in rows
    ]


def _upsert(scores: list[AttentionScore]) -> None:
    AttentionScore.objects.bulk_create(
        scores, update_conflicts=True, unique_fields=["patient"], update_fields=_STORED
    )


def attention_recompute(patient_ids: Iterable[int], clock: Clock | None = None) -> int:
    """Rewrite these children's stored scores from their inputs, in the caller's transaction."""
    scores = fresh_scores(set(patient_ids), clock)
    if scores:
        _upsert(scores)
    return len(scores)


def _same(stored: AttentionScore | None, fresh: AttentionScore) -> bool:
    return stored is not None and all(
        getattr(stored, name) == getattr(fresh, name) for name in _STORED if name != "computed_at"
    )


def attention_refresh(*, batch: int = REFRESH_BATCH, clock: Clock | None = None) -> int:
    """The beat job: bring every child's stored score up to date. Returns how many rows it rewrote."""
    clock = clock or Clock.current()
    if connection.vendor == "postgresql":
        return _refresh_in_sql(clock)
    return _refresh_in_batches(batch, clock)


def _refresh_in_sql(clock: Clock) -> int:
    """Every child in one statement: the caseload's own SQL as the SELECT of an upsert that skips
    the rows already equal (so an idle run writes nothing, and takes one query)."""
    kinds = fact_kinds()
    fresh = with_attention(Patient.objects.order_by(), clock).values(
        "pk", "clinical_urgency", "attention", *WEIGHTS, *kinds
    )
    select, select_params = fresh.query.sql_with_params()
    table = connection.ops.quote_name(AttentionScore._meta.db_table)
    quote = connection.ops.quote_name
    parts = ", ".join(f"%s, fresh.{quote(key)}::int" for key in WEIGHTS)
    facts = ", ".join(f"%s, {sql_text(f'fresh.{quote(name)}', kind)}" for name, kind in kinds.items())
    stored = ("clinical_urgency", "administrative_backlog", "attention", "parts", "facts")
    # Named by position, in values()' order (Django keeps it), so the annotations' aliases do not matter.
    columns = ", ".join(quote(name) for name in ("id", "clinical_urgency", "attention", *WEIGHTS, *kinds))
    # Only quoted names, Django's compiled SELECT and placeholders are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {table} (patient_id, clinical_urgency, administrative_backlog, attention, parts, facts, computed_at) "  # noqa: S608
        f"SELECT fresh.id, fresh.clinical_urgency, fresh.attention - fresh.clinical_urgency, fresh.attention, "
        f"jsonb_build_object({parts}), jsonb_strip_nulls(jsonb_build_object({facts})), %s FROM ({select}) AS fresh({columns}) ORDER BY fresh.id "
        f"ON CONFLICT (patient_id) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in (*stored, "computed_at"))
        + f" WHERE ({', '.join(f'{table}.{name}' for name in stored)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{name}' for name in stored)})"
    )
    # The jsonb_build_object keys come first in the SELECT list, before the subquery's own parameters.
    params = [*WEIGHTS, *kinds, clock.now, *select_params]
    with connection.cursor() as cursor:  # one statement: atomic on its own
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _refresh_in_batches(batch: int, clock: Clock) -> int:
    rewritten, after = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                Patient.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return rewritten
            stored = AttentionScore.objects.in_bulk(ids)
            stale = [
                fresh for fresh in fresh_scores(ids, clock) if not _same(stored.get(fresh.patient_id), fresh)
            ]
            if stale:
                _upsert(stale)
        rewritten += len(stale)
        after = ids[-1]
