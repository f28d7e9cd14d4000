"""FHIR search parameters: parse them, refuse what we do not support, and filter a source's rows."""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .codes import HOSPITAL_NUMBER, NHS_NUMBER
from .readers import Reader
from .sources import Source

DEFAULT_COUNT = 20
MAX_COUNT = 100
# Accepted everywhere; _format is handled by the view's content negotiation, _include by includes.py.
CONTROL_PARAMS = {"_count", "_offset", "_format", "_include"}
DATE_PREFIXES = ("eq", "ge", "le", "gt", "lt")
# Matched on the built resources of a source that expands rows in Python (a child's flags).
EXPANDED_PARAMS = {"_id", "status", "category"}
_DATE = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})(T[0-9:.+\-Z]+)?$")


class SearchError(ValueError):
    """A search the client must fix: an unknown parameter or a value we cannot read (400)."""


@dataclass(frozen=True)
class Paging:
    count: int
    offset: int


def supported_params(resource_type: str, sources: list[Source]) -> set[str]:
    params = {"_id"}
    if any(s.patient_path for s in sources):
        params |= {"patient", "subject"}
    if any(s.date_path for s in sources):
        params.add("date")
    if any(s.status_field for s in sources):
        params.add("status")
    if any(s.category_field or s.category_code for s in sources):
        params.add("category")
    if any(s.expand for s in sources):
        params |= EXPANDED_PARAMS
    if resource_type == "Patient":
        params.add("identifier")
    return params


def paging(query: QueryDict) -> Paging:
    try:
        count = int(query.get("_count", DEFAULT_COUNT))
        offset = int(query.get("_offset", 0))
    except ValueError as exc:
        raise SearchError("_count and _offset must be whole numbers.") from exc
    if count < 0 or offset < 0:
        raise SearchError("_count and _offset cannot be negative.")
    return Paging(count=min(count, MAX_COUNT), offset=offset)


def check_params(resource_type: str, sources: list[Source], query: QueryDict) -> None:
    allowed = supported_params(resource_type, sources) | CONTROL_PARAMS
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise SearchError(
            f"{resource_type} does not support the search parameter(s): {', '.join(unknown)}. "
            f"Supported: {', '.join(sorted(allowed))}."
        )


def _patient_pk(value: str) -> int:
    raw = value.removeprefix("Patient/")
    if not raw.isdigit() or len(raw) > 17:
        raise SearchError(f"patient must be a Patient id or Patient/<id>, not {value!r}.")
    return int(raw)


def _identifier_q(value: str) -> Q:
    system, bar, code = value.rpartition("|")
    if not bar:
        return Q(nhs_number=code) | Q(hospital_number=code)
    if system == NHS_NUMBER:
        return Q(nhs_number=code.replace(" ", ""))
    if system == HOSPITAL_NUMBER:
        return Q(hospital_number=code)
    if system == "":
        return Q(nhs_number=code) | Q(hospital_number=code)
    raise SearchError(f"Unknown identifier system {system!r}. Use {NHS_NUMBER} or {HOSPITAL_NUMBER}.")


def _date_q(source: Source, path: str, value: str) -> Q:
    match = _DATE.match(value)
    if match is None:
        raise SearchError(f"date must look like ge2026-01-31 or 2026-01-31T09:00:00Z, not {value!r}.")
    prefix, day_text, time_text = match.group(1) or "eq", match.group(2), match.group(3)
    try:
        if time_text:
            moment = datetime.datetime.fromisoformat(day_text + time_text.replace("Z", "+00:00"))
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            start = end = moment
        else:
            day = datetime.date.fromisoformat(day_text)
            start, end = _day_bounds(day, as_datetime=source.date_is_datetime)
    except ValueError as exc:
        raise SearchError(f"{value!r} is not a real date.") from exc
    exact_instant = start == end
    lookups = {
        "eq": Q(**{path: start}) if exact_instant else Q(**{f"{path}__gte": start, f"{path}__lt": end}),
        "ge": Q(**{f"{path}__gte": start}),
        "gt": Q(**{f"{path}__gt" if exact_instant else f"{path}__gte": end}),
        "lt": Q(**{f"{path}__lt": start}),
        "le": Q(**{f"{path}__lte" if exact_instant else f"{path}__lt": end}),
    }
    return lookups[prefix]


def _day_bounds(day: datetime.date, *, as_datetime: bool) -> tuple[Any, Any]:
    following = day + datetime.timedelta(days=1)
    if not as_datetime:
        return day, following
    midnight = datetime.time.min
    return (
        timezone.make_aware(datetime.datetime.combine(day, midnight)),
        timezone.make_aware(datetime.datetime.combine(following, midnight)),
    )


def _status_q(source: Source, value: str) -> Q:
    wanted = set(value.split(","))
    ours = [mine for mine, theirs in source.status_map.items() if theirs in wanted]
    return Q(**{f"{source.status_field}__in": ours})


def _id_q(source: Source, value: str) -> Q:
    pks = []
    for fhir_id in value.split(","):
        rest = fhir_id.removeprefix(source.prefix) if source.prefix else fhir_id
        if (fhir_id.startswith(source.prefix) or not source.prefix) and rest.isdigit() and len(rest) < 18:
            pks.append(int(rest))
    return Q(pk__in=pks)


def filtered(source: Source, reader: Reader, query: QueryDict) -> QuerySet[Any]:
    """The user's rows of this source narrowed by the search. A parameter the source lacks matches none of it."""
    rows = source.rows(reader)
    for name in query:
        if name in CONTROL_PARAMS or (source.expand is not None and name in EXPANDED_PARAMS):
            continue
        for value in query.getlist(name):
            rows = rows.filter(_param_q(source, name, value))
    return rows.order_by(*source.order)


def _param_q(source: Source, name: str, value: str) -> Q:
    none = Q(pk__in=[])
    if name in ("patient", "subject"):
        if source.patient_path is None:
            return none
        return Q(**{source.patient_path: _patient_pk(value)})
    if name == "identifier":
        return _identifier_q(value)
    if name == "date":
        return _date_q(source, source.date_path, value) if source.date_path else none
    if name == "status":
        return _status_q(source, value) if source.status_field else none
    if name == "_id":
        return _id_q(source, value)
    if name == "category":
        return _category_q(source, value)
    raise SearchError(f"Unsupported search parameter {name!r}.")


def _tokens(value: str) -> set[str]:
    """Comma-separated token values, each ``code`` or ``system|code`` (matched on the code)."""
    return {part.rpartition("|")[2] for part in value.split(",")}


def _category_q(source: Source, value: str) -> Q:
    wanted = _tokens(value)
    if source.category_field:
        return Q(**{f"{source.category_field}__in": wanted})
    if source.category_code in wanted:
        return Q()
    return Q(pk__in=[])


def _codes(resource: dict[str, Any], name: str) -> set[str]:
    if name == "_id":
        return {resource["id"]}
    if name == "status":
        return {resource.get("status", "")}
    return {c["code"] for cat in resource.get("category", []) for c in cat.get("coding", [])}


def matches(resource: dict[str, Any], query: QueryDict) -> bool:
    """For an expanding source: does this built resource pass the search's _id, status and category?"""
    return all(
        _codes(resource, name) & _tokens(value)
        for name in EXPANDED_PARAMS & set(query)
        for value in query.getlist(name)
    )
