"""``field__in_ids=<one-column queryset>``: the ``in`` lookup, run on PostgreSQL as ``= ANY(ARRAY(...))``.

PostgreSQL plans ``id IN (a UNION b ...)`` as a join estimated from the union's branches; from a few
hundred estimated rows it hashes the union and scans the whole outer table (every child, every thread)
to probe it, the cost that grew with the hospital (issue 12). ``= ANY(ARRAY(subquery))`` runs the
subquery once and reads exactly those rows through the column's index. Other databases get ``IN``.
"""

from typing import Any

from django.db.models import AutoField, BigAutoField, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _as_array(lookup: In, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
    if lookup.rhs_is_direct_value():  # a list of values stays IN (...)
        return lookup.as_sql(compiler, connection)
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    rhs, rhs_params = lookup.process_rhs(compiler, connection)
    return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class InIds(In):
    lookup_name = "in_ids"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return _as_array(self, compiler, connection)


class RelatedInIds(RelatedIn):
    """On a foreign key (``patient__in_ids``): accepts model instances in a list, as ``patient__in`` does."""

    lookup_name = "in_ids"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return _as_array(self, compiler, connection)


# Only the id columns a scope is read by: the primary keys and the foreign keys to them.
AutoField.register_lookup(InIds)
BigAutoField.register_lookup(InIds)
ForeignObject.register_lookup(RelatedInIds)
