"""``field__in_ids=<one-column queryset>``: the ``in`` lookup, run on PostgreSQL as ``= ANY(ARRAY(...))``.

PostgreSQL plans ``id IN (a UNION b ...)`` as a join estimated from the union's branches; from a few
hundred estimated rows it hashes the union and scans the whole outer table (every child, every thread)
to probe it, the cost that grew with the hospital (issue 12). ``= ANY(ARRAY(subquery))`` runs the
subquery once and reads exactly those rows through the column's index. Other databases get ``IN``.
"""

from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class InIds(In):
    lookup_name = "in_ids"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


Field.register_lookup(InIds)
ForeignObject.register_lookup(InIds)  # patient__in_ids: the foreign key's own column
