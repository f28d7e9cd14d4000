"""Session lifetimes: an idle timeout per kind of account and an absolute lifetime.

``SESSION_IDLE_MINUTES`` (staff 30, families 60) ends a session nobody has used for that long;
``SESSION_ABSOLUTE_HOURS`` (12) ends any session that long after its log in, however busy. The
next page then asks for a log in and comes back to where the person was (``next``).
"""

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("carecoord.security")

LOGGED_IN_AT = "carecoord_logged_in_at"
LAST_SEEN_AT = "carecoord_last_seen_at"
# Record activity at most once a minute, so a busy session is not saved on every request.
TOUCH_EVERY_SECONDS = 60


def idle_minutes_for(user: Any) -> int:
    return int(settings.SESSION_IDLE_MINUTES["family" if getattr(user, "is_family", False) else "staff"])


def login_url_for(user: Any) -> str:
    return reverse("accounts:family_login" if getattr(user, "is_family", False) else "accounts:staff_login")


@receiver(user_logged_in, dispatch_uid="carecoord-session-stamp")
def _stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[LOGGED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now


def session_end_reason(session: Any, user: Any, now: float) -> str | None:
    """Why this session must end now ("idle" or "lifetime"), or None."""
    logged_in = session.get(LOGGED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT)
    if logged_in is None or last_seen is None:
        return None  # a session from before these rules: stamped on this request
    if now - logged_in >= settings.SESSION_ABSOLUTE_HOURS * 3600:
        return "lifetime"
    if now - last_seen >= idle_minutes_for(user) * 60:
        return "idle"
    return None


def _ended_message(reason: str, user: Any) -> str:
    if reason == "idle":
        return (
            f"You were logged out because CareCoord was not used for {idle_minutes_for(user)} minutes. "
            "Log in again to carry on where you were."
        )
    return (
        f"You were logged out because you had been logged in for {settings.SESSION_ABSOLUTE_HOURS} hours. "
        "Log in again to carry on where you were."
    )


def _return_path(request: HttpRequest) -> str:
    """Where to come back to: this page for a GET, else the page the form was on."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("root")


class SessionLifetimeMiddleware:
    """Ends idle and over-age sessions (after AuthenticationMiddleware, before django-otp's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        now = timezone.now().timestamp()
        reason = session_end_reason(request.session, user, now)
        if reason is None:
            if now - request.session.get(LAST_SEEN_AT, 0) >= TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_AT] = now
                request.session.setdefault(LOGGED_IN_AT, now)
            return self.get_response(request)
        return self._end(request, user, reason)

    def _end(self, request: HttpRequest, user: Any, reason: str) -> HttpResponse:
        logger.info("Session ended (%s) for %s", reason, user.email)
        login_url = login_url_for(user)
        back = _return_path(request)
        logout(request)
        messages.info(request, _ended_message(reason, user))
        if request.path.startswith("/api/"):
            return self.get_response(request)  # now anonymous: the API refuses it in its own shape
        if request.headers.get("HX-Request") == "true":  # htmx would swap the login page into a panel
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(back, login_url)["Location"]
            return response
        return redirect_to_login(back, login_url)
