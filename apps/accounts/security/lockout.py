"""Account lockout with django-axes: settings AXES_* in carecoord/settings.py.

Failures are counted per attempted email and per address-and-email, for every call to Django's
``authenticate()`` with a request: the staff and family login pages, the admin login and any API
endpoint that checks a password. An email that matches no account is counted and locked exactly
like a real one, so the lockout page tells nobody whether an account exists.
"""

import logging
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from carecoord.errors import json_error

from ..models import User
from ..services import can_manage_sign_in, record_account_change
from .network import client_ip

logger = logging.getLogger("carecoord.security")

LOCKED_OUT_MESSAGE = (
    "Logging in with this email address is paused for {minutes} minutes because of too many "
    "attempts. This keeps the account safe."
)
UNLOCK_ROLE_MESSAGE = "Only a clinic administrator can unlock accounts."


def cooloff_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def attempted_email(request: Any, credentials: dict | None = None) -> str | None:
    """The email an attempt was made with, as accounts store it (trimmed, lower case).

    Every login form posts it as ``username``, which is also the keyword ``authenticate()`` gets.
    A refused single sign-on counts against the email the identity provider gave (sso.py).
    """
    value = (credentials or {}).get("username") or getattr(request, "carecoord_sign_on_email", None)
    if value is None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    return str(value).strip().lower() if value else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What a locked-out attempt gets: the same for every email, with or without an account."""
    message = LOCKED_OUT_MESSAGE.format(minutes=cooloff_minutes())
    retry_after = {"Retry-After": str(int(settings.AXES_COOLOFF_TIME.total_seconds()))}
    if request.path.startswith("/api/"):
        return json_error(429, "locked_out", message, headers=retry_after)
    family = request.path.startswith("/portal/")
    context = {
        "message": message,
        "base_template": "portal/base.html" if family else "_layout.html",
        "login_url": "accounts:family_login" if family else "accounts:staff_login",
        "family": family,
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after["Retry-After"]
    return response


def account_unlock(*, actor: User, user: User) -> int:
    """Clear the failed attempts that lock ``user`` out; recorded in the admin history and the log."""
    if not can_manage_sign_in(actor):
        raise PermissionDenied(UNLOCK_ROLE_MESSAGE)
    with transaction.atomic():
        cleared = AxesProxyHandler.reset_attempts(username=user.email)
        record_account_change(
            actor=actor, user=user, message=f"Unlocked logging in ({cleared} failed attempts cleared)."
        )
    logger.warning("Account unlocked: %s by %s (%d attempts cleared)", user.email, actor.email, cleared)
    return cleared


def with_recent_failures(users: QuerySet[User]) -> QuerySet[User]:
    """Annotate ``recent_failures``: failed attempts with each account's email within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (
        AccessAttempt.objects.filter(username=OuterRef("email"), attempt_time__gte=since)
        .values("username")
        .annotate(total=Sum("failures_since_start"))
        .values("total")
    )
    return users.annotate(recent_failures=Subquery(failures))


def is_locked(user: User) -> bool:
    """For a user from ``with_recent_failures``: are they locked out now?"""
    return (getattr(user, "recent_failures", None) or 0) >= settings.AXES_FAILURE_LIMIT


@receiver(user_login_failed, dispatch_uid="carecoord-log-login-failure")
def _log_failure(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Axes masks the email and address in its own log lines; this one names them (never the password).
    where = request.path if request is not None else "-"
    address = client_ip(request) if request is not None else "-"
    logger.warning("Failed log in: %s from %s at %s", attempted_email(request, credentials), address, where)


@receiver(user_locked_out, dispatch_uid="carecoord-log-lockout")
def _log_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    logger.warning("Account locked: %s from %s after repeated failures", username, ip_address)
