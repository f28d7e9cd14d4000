"""Reads shared within one page view: a child's record read once however many parts of the page ask.

A page about a child is drawn by several apps' parts (the pathway summary, its chart and its
timeline, say), and each reads what it needs. Many read the same rows: before this, the pathway page
read the child's scores, relapses, criteria, tumours and symptom reports twice each, and the basis of
access twice. ``shared(key, load)`` reads them once per request.

Only a GET or HEAD request holds a memo (``RequestMemoMiddleware``). A GET must not change what a memo
holds: the project's GET views write only audit rows, read markers and sessions, so nothing can be read
stale. Everywhere else (a POST, a Celery job, a command, a test calling a selector) ``shared`` simply
loads, so no caller needs to know. The memo ends with the request's view, before a streamed response
is read.
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_NONE = object()  # an item load() gave no value for

_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("request_memo", default=None)

_READ_ONLY = frozenset({"GET", "HEAD"})


def shared(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, once per key within a read-only request; every call loads outside one.

    The key names what was read and for whom, e.g. ``("pathways.courses", patient.pk)``; a caller that
    mutates what it got back must copy it first.
    """
    memo = _memo.get()
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]  # type: ignore[return-value]  # the key's loader gave this type


def shared_each(key: Hashable, items: list[K], load: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
    """``load(items)`` for per-item answers, each item loaded once within a read-only request.

    ``load`` gets the items not yet asked about and returns a value for those that have one; an item
    with none is remembered as having none. Returns the items' values, as ``load`` would.
    """
    memo = _memo.get()
    if memo is None:
        return load(items)
    missing = [item for item in items if (key, item) not in memo]
    if missing:
        found = load(missing)
        for item in missing:
            memo[(key, item)] = found.get(item, _NONE)
    values = {item: memo[(key, item)] for item in items}
    return {item: value for item, value in values.items() if value is not _NONE}  # type: ignore[misc]


class RequestMemoMiddleware:
    """Give each GET or HEAD request an empty memo for the length of its view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in _READ_ONLY:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
