"""Until the second step is done, a session reaches only the two-step pages, log out and /healthz.

HTML requests are sent to set-up (no app yet) or to the code page, with ``next`` kept so the person
comes back to the page they asked for. API requests with that session get a 403 in the one JSON
error shape.
"""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse

from carecoord.errors import json_error

from . import two_factor

SECOND_STEP_NEEDED = "Confirm it is you with the code from your authenticator app first."

# Reachable before the second step (by URL name, namespace included).
OPEN_BEFORE_SECOND_STEP = {
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:logout",
    "accounts:sso_start",
    "accounts:sso_callback",
    "admin:logout",
    "healthz",
    "livez",
}


def _url_name(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.view_name


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware, which tells whether this session is verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and two_factor.needs_second_step(request)
            and not two_factor.is_verified(request)
            and not request.path.startswith("/static/")
            and _url_name(request) not in OPEN_BEFORE_SECOND_STEP
        ):
            if request.path.startswith(("/api/", "/fhir/")):  # machine clients get a 403, not a redirect
                return json_error(403, "second_step_required", SECOND_STEP_NEEDED)
            step = "verify" if two_factor.session_has_app(request) else "setup"
            return redirect_to_login(request.get_full_path(), reverse(f"accounts:two_factor_{step}"))
        return self.get_response(request)
