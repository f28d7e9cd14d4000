"""API tokens and the second step.

API tokens: a token is a credential minted from an already verified session (today only in the
admin, which is behind this gate; the account page will mint a person's own). As a second guard,
while two-step verification is required, a staff account that has never set it up cannot use a
token at all (``TokenAuthentication`` below): such a token cannot have come from its owner's
verified session. Any replacement token class must call ``refuse_token_without_second_step``.
"""

from typing import Any

from rest_framework import authentication, exceptions

from ..models import User
from . import two_factor

SECOND_STEP_MISSING_FOR_API = (
    "Two-step verification is required for this account. Log in on the website to set it up first."
)


def refuse_token_without_second_step(user: User) -> None:
    if two_factor.required_by_policy(user) and not two_factor.has_app(user):
        raise exceptions.PermissionDenied(SECOND_STEP_MISSING_FOR_API)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing staff tokens while their two-step set-up is missing."""

    def authenticate_credentials(self, key: Any) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        refuse_token_without_second_step(user)
        return user, token
