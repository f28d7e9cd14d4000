"""How accounts sends an email (the password reset) without importing notifications.

notifications stands above accounts (its rows point at users), so it registers its outbox here when
Django starts (``NotificationsConfig.ready``) and the reset email is an outbox row like every other.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

EmailSender = Callable[..., object]

_sender: EmailSender | None = None


def register_email_sender(sender: EmailSender) -> None:
    """Called once at startup with ``sender(*, to_address, subject, body)``."""
    global _sender
    _sender = sender


def send_email(*, to_address: str, subject: str, body: str) -> None:
    if _sender is None:
        raise ImproperlyConfigured("No email sender registered: is apps.notifications installed?")
    _sender(to_address=to_address, subject=subject, body=body)
