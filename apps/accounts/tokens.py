"""Personal API tokens (django-rest-knox).

Only a SHA-512 digest of each token is stored, every token expires (``API_TOKEN_DAYS``), and a
token is made only by its owner, for themselves, on their account page: no page, admin or API
can mint one for somebody else. A request made with a token is the owner's request, and is
audited as theirs.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken

from .models import User


def api_tokens_of(*, user: User) -> QuerySet[AuthToken]:
    """The owner's tokens that still work, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_create(*, actor: User, name: str = "") -> tuple[AuthToken, str]:
    """A new token for the actor themselves. The raw token is returned once and never stored."""
    if not actor.is_active:
        raise PermissionDenied("This account cannot make API tokens.")
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one token at a time per person
        if api_tokens_of(user=actor).count() >= settings.API_TOKEN_LIMIT:
            raise ValidationError(
                f"You already have {settings.API_TOKEN_LIMIT} API tokens. Revoke one you no longer use first."
            )
        return AuthToken.objects.create(user=actor)


def api_token_revoke(*, actor: User, token_key: str) -> None:
    """Revoke one of the actor's own tokens at once (another person's looks the same as a missing one)."""
    with transaction.atomic(durable=True):
        deleted, _ = AuthToken.objects.filter(user=actor, token_key=token_key).delete()
    if not deleted:
        raise ValidationError("That token does not exist or has already been revoked.")
