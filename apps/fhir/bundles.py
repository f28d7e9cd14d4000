"""Search results as Bundles, paged with _count and _offset."""

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model
from django.http import QueryDict
from django.utils import timezone

from apps.accounts.types import AnyUser

from . import search
from .sources import Source


def _entry(base: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": "match"},
    }


def page_of(
    sources: list[Source], user: AnyUser, query: QueryDict, paging: search.Paging
) -> tuple[int, list[tuple[Source, Model]]]:
    """Total across sources and this page's rows: one count and at most one select per source."""
    querysets = [(s, search.filtered(s, user, query)) for s in sources]
    counts = [qs.count() for _, qs in querysets]
    rows: list[tuple[Source, Model]] = []
    skip, room = paging.offset, paging.count
    for (source, qs), count in zip(querysets, counts, strict=True):
        if skip >= count:
            skip -= count
            continue
        if room <= 0:
            break
        taken = list(qs[skip : skip + room])
        rows.extend((source, row) for row in taken)
        room -= len(taken)
        skip = 0
    return sum(counts), rows


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
) -> dict[str, Any]:
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
        "entry": [_entry(base, r) for r in resources],
    }
    if not resources:
        del bundle["entry"]  # FHIR JSON has no empty arrays
    return bundle
