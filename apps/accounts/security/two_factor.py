"""Two-step verification with django-otp: an authenticator app (TOTP) plus single-use backup codes.

Policy: with ``STAFF_2FA_REQUIRED`` every staff and admin account must set it up at its first log
in and use it at every log in. A family account may turn it on in its account page; once on, it
is asked for at every log in too. ``gate.SecondFactorMiddleware`` enforces this on every request.
"""

import logging
import os
import re
from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from ..models import User
from . import at_rest, recovery
from .devices import AuthenticatorApp, BackupCode, BackupCodes, IdentityProviderCheck

logger = logging.getLogger("carecoord.security")

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
WRONG_CODE = "That code is not right. Check the code in your app and try again."
WAIT_MESSAGE = "You have entered too many wrong codes. Wait a minute, then try again."
REQUIRED_MESSAGE = "Two-step verification is required for staff accounts, so it cannot be turned off."


def is_staff_account(user: User) -> bool:
    return user.kind == User.Kind.STAFF or user.is_staff or user.is_superuser


def required_by_policy(user: User) -> bool:
    return bool(settings.STAFF_2FA_REQUIRED) and is_staff_account(user)


def has_app(user: User) -> bool:
    return AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()


# Whether the account had an app when this session logged in, so the gate needs no query per request.
HAS_APP_SESSION_KEY = "carecoord_has_app"


def session_has_app(request: HttpRequest) -> bool:
    flag = request.session.get(HAS_APP_SESSION_KEY)
    if flag is None:
        flag = has_app(request.user)  # type: ignore[arg-type]
        request.session[HAS_APP_SESSION_KEY] = flag
    return bool(flag)


def needs_second_step(request: HttpRequest) -> bool:
    """True when this session's account must prove a second factor before using CareCoord."""
    return required_by_policy(request.user) or session_has_app(request)  # type: ignore[arg-type]


@receiver(user_logged_in, dispatch_uid="carecoord-two-factor-flag")
def _note_app_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[HAS_APP_SESSION_KEY] = has_app(user)


def is_verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", None) and user.is_verified())  # type: ignore[union-attr]


def pending_app(user: User) -> AuthenticatorApp:
    """The not-yet-confirmed app for this account: the same secret until it is confirmed."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = AuthenticatorApp.new_unsaved(user=user, name=APP_DEVICE_NAME)
        device.save()
    return device


def secret_for_display(device: AuthenticatorApp) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: AuthenticatorApp) -> str:
    """An SVG QR code of the app's set-up link, as a data: URI for an <img> (no script, CSP-safe)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def _new_backup_codes(user: User) -> list[str]:
    """New codes, returned to show once; only their keyed hashes are stored."""
    BackupCodes.objects.filter(user=user).delete()
    device = BackupCodes.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [b32encode(os.urandom(5)).decode().lower() for _ in range(settings.BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(
        [BackupCode(device=device, digest=at_rest.digests(code)[0]) for code in codes]
    )
    return codes


def app_confirm(*, request: HttpRequest, actor: User, code: str) -> list[str]:
    """Confirm the pending app with a code from it, replace any earlier app and backup codes, and
    mark this session verified. Returns the new backup codes (shown once)."""
    codes: list[str] = []
    with transaction.atomic():
        device = AuthenticatorApp.objects.select_for_update().filter(user=actor, confirmed=False).first()
        problem = _check(device, _compact(code))
        if problem is None and device is not None:
            AuthenticatorApp.objects.filter(user=actor).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_backup_codes(actor)
    # Raised outside the transaction, so a wrong code's throttle count is kept.
    if problem is not None or device is None:
        raise ValidationError({"code": problem or WRONG_CODE})
    otp_login(request, device)
    request.session[HAS_APP_SESSION_KEY] = True
    logger.info("Two-step verification set up by %s", actor.email)
    return codes


def _check(device: AuthenticatorApp | BackupCodes | None, code: str) -> str | None:
    """None when the device accepts the code, else the message to show."""
    if device is None:
        return WRONG_CODE
    if not device.verify_is_allowed()[0]:
        return WAIT_MESSAGE
    return None if device.verify_token(code) else WRONG_CODE


def backup_codes_replace(*, request: HttpRequest, actor: User) -> list[str]:
    """New backup codes for a verified session; the old ones stop working."""
    if not is_verified(request):
        raise PermissionDenied("Confirm it is you with a code first.")
    with transaction.atomic():
        codes = _new_backup_codes(actor)
    logger.info("Backup codes replaced by %s", actor.email)
    return codes


def backup_codes_left(user: User) -> int:
    return BackupCode.objects.filter(device__user=user).count()


def _compact(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def second_step_verify(*, request: HttpRequest, actor: User, code: str) -> bool:
    """Check a code from the app, or a backup code, and mark the session verified.

    Returns True when a backup code was used (the caller says how many are left).
    """
    code = _compact(code)
    backup = not (code.isdigit() and len(code) == 6)
    with transaction.atomic():
        devices = BackupCodes.objects if backup else AuthenticatorApp.objects
        device = devices.select_for_update().filter(user=actor, confirmed=True).first()
        problem = _check(device, code)
    if problem is not None or device is None:
        logger.warning("Wrong two-step code for %s", actor.email)
        raise ValidationError({"code": problem or WRONG_CODE})
    otp_login(request, device)
    if backup:
        logger.warning("Backup code used by %s", actor.email)
    return backup


def two_factor_turn_off(*, request: HttpRequest, actor: User) -> None:
    """A family (or, when not required, a member of staff) turns two-step verification off."""
    if required_by_policy(actor):
        raise PermissionDenied(REQUIRED_MESSAGE)
    if not is_verified(request):
        raise PermissionDenied("Confirm it is you with a code first.")
    with transaction.atomic():
        AuthenticatorApp.objects.filter(user=actor).delete()
        BackupCodes.objects.filter(user=actor).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[HAS_APP_SESSION_KEY] = False
    logger.warning("Two-step verification turned off by %s", actor.email)


def two_factor_reset(*, actor: User, user: User) -> None:
    """A clinic administrator removes someone's app and codes (a lost phone); they set it up again
    at their next log in. Refused within a day of an email change; ends their sessions and tokens
    and tells them by email (recovery.py)."""
    recovery.two_factor_reset_check(actor=actor, user=user)
    with transaction.atomic():
        AuthenticatorApp.objects.filter(user=user).delete()
        BackupCodes.objects.filter(user=user).delete()
        IdentityProviderCheck.objects.filter(user=user).delete()
        recovery.two_factor_reset_recorded(actor=actor, user=user)
    logger.warning("Two-step verification reset for %s by %s", user.email, actor.email)
