"""Request throttles for the API (DRF) and the few public or sensitive HTML forms.

Rates come from ``settings.THROTTLE_RATES`` at request time (DRF reads its own setting once, at
import), so they can be set from the environment and changed in a test. An API request over a rate
gets the one JSON error shape with 429 and ``Retry-After``; an HTML form gets a plain page with
the same status and header. Counters live in the default cache, shared by every web process.
A cache outage lets requests through (logged) rather than failing them.
"""

import logging
import math
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS

from .network import client_ip

logger = logging.getLogger(__name__)


class _RatesFromSettings:
    """Read the rate per request, key anonymous callers by ``client_ip`` and fail open on a cache outage."""

    scope: str | None

    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope or "")

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError):
            logger.warning("Throttle cache unavailable; letting the request through", exc_info=True)
            return True


class AnonThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class UserThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass


class ScopedWriteThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    """A tighter rate for writes to a view or action with ``throttle_scope``; reads are not counted."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


def _too_many_requests(request: HttpRequest, wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 60))
    user = request.user
    base = "_layout.html"
    if user.is_authenticated:
        base = "portal/base.html" if user.is_family else "staff/base.html"
    context = {"base_template": base, "minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "accounts/too_many_requests.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(scope: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Limit an HTML view's POSTs to ``THROTTLE_RATES[scope]``, counted with the API's own counter."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in SAFE_METHODS:
                throttle = ScopedWriteThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    return _too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
