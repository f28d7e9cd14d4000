"""API tokens and the second step.

API tokens (django-rest-knox, see ``apps/accounts/tokens.py``): a token is minted only by its owner
on their account page, from an already verified session (the page is behind this gate). As a second guard,
while two-step verification is required, a staff account that has never set it up cannot use a
token at all (``TokenAuthentication`` below): such a token cannot have come from its owner's
verified session. Any replacement token class must call ``refuse_token_without_second_step``.
"""

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from ..models import User
from . import two_factor

SECOND_STEP_MISSING_FOR_API = (
    "Two-step verification is required for this account. Log in on the website to set it up first."
)


def refuse_token_without_second_step(user: User) -> None:
    if two_factor.required_by_policy(user) and not two_factor.has_app(user):
        raise exceptions.PermissionDenied(SECOND_STEP_MISSING_FOR_API)


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication (hashed, expiring tokens), refusing staff tokens while their
    two-step set-up is missing."""

    def authenticate_credentials(self, token: Any) -> tuple[Any, Any]:
        user, auth_token = super().authenticate_credentials(token)
        refuse_token_without_second_step(user)
        return user, auth_token


class TokenScheme(KnoxTokenScheme):
    """The API docs describe it as knox's scheme: "Authorization: Token <token>"."""

    target_class = "apps.accounts.security.tokens.TokenAuthentication"
