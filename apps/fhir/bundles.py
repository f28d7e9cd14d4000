"""Search results as Bundles, paged with _count and _offset."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model
from django.http import QueryDict
from django.utils import timezone

from . import search
from .readers import Reader
from .sources import Source


def _entry(base: str, resource: dict[str, Any], mode: str = "match") -> dict[str, Any]:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


Found = tuple[Source, Model, dict[str, Any]]  # a row, its source and one resource built from it


def _expanded(source: Source, reader: Reader, query: QueryDict) -> list[Found]:
    rows = search.filtered(source, reader, query)
    return [
        (source, row, resource)
        for row in rows
        for resource in source.resources(row)
        if search.matches(resource, query)
    ]


def page_of(
    sources: list[Source], reader: Reader, query: QueryDict, paging: search.Paging
) -> tuple[int, list[Found]]:
    """Total across sources and this page's resources: one count and at most one select per source.

    A source that expands its rows (a child's flags) is built in full and sliced in Python.
    """
    parts: list[tuple[Source, Any, int]] = []
    for source in sources:
        if source.expand is not None:
            built = _expanded(source, reader, query)
            parts.append((source, built, len(built)))
        else:
            qs = search.filtered(source, reader, query)
            parts.append((source, qs, qs.count()))
    found: list[Found] = []
    skip, room = paging.offset, paging.count
    for source, rows, count in parts:
        if skip >= count:
            skip -= count
            continue
        if room <= 0:
            break
        taken = list(rows[skip : skip + room])
        if source.expand is None:
            taken = [(source, row, source.to_fhir(row)) for row in taken]
        found.extend(taken)
        room -= len(taken)
        skip = 0
    return sum(count for _, _, count in parts), found


def _link(base: str, path: str, query: QueryDict, offset: int) -> str:
    params = [(k, v) for k in query for v in query.getlist(k) if k != "_offset"]
    return f"{base}{path}?{urlencode([*params, ('_offset', offset)])}"


def searchset(
    *,
    base: str,
    path: str,
    query: QueryDict,
    paging: search.Paging,
    total: int,
    resources: list[dict[str, Any]],
    included: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A searchset: the matches (``total`` counts only them), then what ``_include`` brought in."""
    links = [{"relation": "self", "url": _link(base, path, query, paging.offset)}]
    if paging.count and paging.offset + paging.count < total:
        links.append({"relation": "next", "url": _link(base, path, query, paging.offset + paging.count)})
    if paging.offset > 0:
        previous = max(paging.offset - max(paging.count, 1), 0)
        links.append({"relation": "previous", "url": _link(base, path, query, previous)})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": timezone.now().astimezone(datetime.UTC).isoformat(),
        "total": total,
        "link": links,
        "entry": [_entry(base, r) for r in resources] + [_entry(base, r, "include") for r in included or []],
    }
    if not bundle["entry"]:
        del bundle["entry"]  # FHIR JSON has no empty arrays
    return bundle
