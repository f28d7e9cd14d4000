import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Strict by default: no inline script anywhere. The API docs page (Swagger UI) sets inline styles.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
_CSP_DOCS = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class RequestIdMiddleware:
    """Tags each request with an id (trusted from X-Request-ID when well formed) for audit rows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/docs")
            response["Content-Security-Policy"] = _CSP_DOCS if docs else _CSP
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response the application itself makes.

    Pages, API answers, CSV exports, document downloads and calendar feeds can all carry a child's
    data, and a browser, a proxy or a shared computer must keep none of it. One rule is safer than a
    decorator per view: it sits after WhiteNoise, so static files (served before it) keep their
    long-lived caching, and everything else, signed in or not, is never stored.
    """

    VALUE = "no-store, private"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = self.VALUE
        response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
