"""Administrator changes that could hand an account to someone else: a new email address and a
two-step reset.

Together they are a takeover: point the account at an address you control, reset its password
through that address, reset its two-step verification and set up your own app. So:

- each goes through a service here, is written to the account's admin history and the log, and is
  emailed (through the outbox) to the account's address; an email change to the old *and* the new
  address, so the owner hears of it at an address the administrator does not control;
- each ends the account's sessions (``User.session_generation``) and API tokens;
- within ``ACCOUNT_RECOVERY_HOLD_HOURS`` (24) of one, the other is refused, and single sign-on is
  refused after an email change: the owner has a day to notice and raise it before anyone can
  complete a takeover.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from knox.models import AuthToken

from ..mail import send_email
from ..models import User
from ..services import can_manage_sign_in, normalise_email, record_account_change

logger = logging.getLogger("carecoord.security")

EMAIL_ROLE_MESSAGE = "Only a clinic administrator can change an account's email address."
EMAIL_TAKEN = "Another account already uses this email address."
EMAIL_HELD = (
    "This account's two-step verification was reset less than {hours} hours ago, so its email "
    "address cannot be changed until {until}."
)
RESET_HELD = (
    "This account's email address was changed less than {hours} hours ago, so its two-step "
    "verification cannot be reset until {until}."
)


def _hold() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.ACCOUNT_RECOVERY_HOLD_HOURS)


def held_until(changed_at: datetime.datetime | None) -> datetime.datetime | None:
    """When the hold after a change at ``changed_at`` ends, or None if there is none now."""
    if changed_at is None or timezone.now() >= changed_at + _hold():
        return None
    return changed_at + _hold()


def _when(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y at %H:%M")


def email_change_problem(*, user: User, new_email: str) -> str | None:
    """Why ``user``'s email cannot become ``new_email`` now, or None (the form's check and the service's)."""
    if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
        return EMAIL_TAKEN
    until = held_until(user.two_factor_reset_at)
    if until is not None:
        return EMAIL_HELD.format(hours=settings.ACCOUNT_RECOVERY_HOLD_HOURS, until=_when(until))
    return None


def sessions_and_tokens_end(*, user: User) -> None:
    """End every session (on its next request) and delete every API token of ``user``."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    AuthToken.objects.filter(user=user).delete()


def _tell(*, addresses: list[str], subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    for address in dict.fromkeys(addresses):  # each address once, in order
        send_email(to_address=address, subject=subject, body=body)


def account_email_change(*, actor: User, user: User, new_email: str) -> User:
    """An administrator gives ``user`` a new email address (their sign-in name)."""
    if not can_manage_sign_in(actor):
        raise PermissionDenied(EMAIL_ROLE_MESSAGE)
    new_email = normalise_email(new_email)
    old_email = user.email
    if new_email == old_email:
        return user
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        problem = email_change_problem(user=user, new_email=new_email)
        if problem is not None:
            raise ValidationError({"email": problem})
        user.email = new_email
        user.email_changed_at = timezone.now()
        user.save(update_fields=["email", "email_changed_at"])
        sessions_and_tokens_end(user=user)
        record_account_change(
            actor=actor, user=user, message=f"Changed email address from {old_email} to {new_email}."
        )
        _tell(
            addresses=[old_email, new_email],
            subject="Your CareCoord email address was changed",
            template="emails/account_email_changed.txt",
            context={"user": user, "old_email": old_email, "new_email": new_email, "actor": actor},
        )
    logger.warning("Email changed for account %s: %s to %s by %s", user.pk, old_email, new_email, actor.email)
    return user


def two_factor_reset_check(*, actor: User, user: User) -> None:
    """Refuse a two-step reset by someone who may not, or during the hold after an email change."""
    if not can_manage_sign_in(actor):
        raise PermissionDenied("Only a clinic administrator can reset two-step verification.")
    until = held_until(user.email_changed_at)
    if until is not None:
        raise PermissionDenied(
            RESET_HELD.format(hours=settings.ACCOUNT_RECOVERY_HOLD_HOURS, until=_when(until))
        )


def two_factor_reset_recorded(*, actor: User, user: User) -> None:
    """The rest of a two-step reset, in its transaction: stamp, end sessions, history, email."""
    User.objects.filter(pk=user.pk).update(two_factor_reset_at=timezone.now())
    sessions_and_tokens_end(user=user)
    record_account_change(actor=actor, user=user, message="Reset two-step verification.")
    _tell(
        addresses=[user.email],
        subject="Your CareCoord two-step verification was reset",
        template="emails/two_factor_reset.txt",
        context={"user": user, "actor": actor},
    )


def sign_on_unlink(*, actor: User, user: User) -> User:
    """Forget the single sign-on identity ``user`` is bound to: their next sign-on binds afresh.

    For an account bound to the wrong identity at the provider. Like an email change it could hand the
    account to someone else, so only a clinic administrator may, and the account is told.
    """
    if not can_manage_sign_in(actor):
        raise PermissionDenied("Only a clinic administrator can unlink a single sign-on identity.")
    with transaction.atomic():
        unlinked = User.objects.filter(pk=user.pk, sso_subject__isnull=False).update(sso_subject=None)
        if unlinked:
            record_account_change(actor=actor, user=user, message="Unlinked its single sign-on identity.")
            _tell(
                addresses=[user.email],
                subject="Your CareCoord account was unlinked from single sign-on",
                template="emails/sign_on_unlinked.txt",
                context={"user": user, "actor": actor},
            )
    user.sso_subject = None
    return user
