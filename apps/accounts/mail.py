"""How accounts sends an email (the password reset) without importing notifications.

notifications stands above accounts (its rows point at users), so it registers its outbox here when
Django starts (``NotificationsConfig.ready``) and the reset email is an outbox row like every other.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

EmailSender = Callable[..., object]

# Where an email's secret link goes: the outbox keeps this in the stored body and puts the link's
# path there only when it sends the email (apps/notifications/links.py).
LINK_PLACEHOLDER = "/(secret-link-added-when-sent)/"
PASSWORD_RESET_LINK = "password_reset"  # noqa: S105  (a link kind, not a password)

_sender: EmailSender | None = None


def register_email_sender(sender: EmailSender) -> None:
    """Called once at startup with ``sender(*, to_address, subject, body, link=None)``."""
    global _sender
    _sender = sender


def send_email(*, to_address: str, subject: str, body: str, link: tuple[str, int] | None = None) -> None:
    """``link`` (kind, id): ``body`` has LINK_PLACEHOLDER where the secret link is added at send time."""
    if _sender is None:
        raise ImproperlyConfigured("No email sender registered: is apps.notifications installed?")
    _sender(to_address=to_address, subject=subject, body=body, link=link)
