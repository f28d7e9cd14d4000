"""Secret links in emails (an invitation, a password reset) are made only when the email is sent.

The outbox row keeps a redacted body with ``LINK_PLACEHOLDER`` where the link's secret path goes,
plus which kind of link and the id it is for. The send task asks the kind's maker for the path at
that moment, so no usable link is ever stored in the database or shown in the admin. A maker returns
None when the link should no longer be sent (the invitation was withdrawn meanwhile); the email is
then not sent. Apps register their kinds in AppConfig.ready(); the password reset is built in.
"""

from collections.abc import Callable

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.mail import LINK_PLACEHOLDER, PASSWORD_RESET_LINK
from apps.accounts.models import User

__all__ = ["LINK_PLACEHOLDER", "register_link_maker", "secret_path"]

LinkMaker = Callable[[int], str | None]
_MAKERS: dict[str, LinkMaker] = {}


def register_link_maker(kind: str, maker: LinkMaker) -> None:
    """``maker(ref)`` returns the secret path (from "/") for the row ``ref``, or None to not send."""
    _MAKERS[kind] = maker


def secret_path(kind: str, ref: int) -> str | None:
    maker = _MAKERS.get(kind)
    return maker(ref) if maker is not None else None


def _password_reset_path(user_id: int) -> str | None:
    """A reset token made now: Django's token signs the account's state and this moment, so it
    stops working once used (the password changes) or after PASSWORD_RESET_TIMEOUT."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])


register_link_maker(PASSWORD_RESET_LINK, _password_reset_path)
