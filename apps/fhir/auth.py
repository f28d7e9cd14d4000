"""Integration sign-in: a client-credentials bearer token reads as its client's service user."""

from typing import Any

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from .models import IntegrationClient


class ClientCredentialsAuthentication(OAuth2Authentication):
    """A valid token of an active IntegrationClient authenticates as its service user; anything else is
    refused (a revoked client's tokens are deleted, and its service user is inactive)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        authenticated = super().authenticate(request)
        if authenticated is None:
            return None
        _, token = authenticated
        client = (
            IntegrationClient.objects.filter(application_id=token.application_id, revoked_at__isnull=True)
            .select_related("service_user")
            .first()
        )
        if client is None or not client.service_user.is_active:
            raise AuthenticationFailed("This integration client has been revoked.")
        request.integration_client = client  # type: ignore[attr-defined]
        return client.service_user, token


def integration_client(request: Request) -> IntegrationClient | None:
    return getattr(request, "integration_client", None)


class ClientValidator(OAuth2Validator):
    """Tokens only for an active IntegrationClient: a revoked one (or a bare application) gets none."""

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs):
            return False
        return IntegrationClient.objects.filter(application=client, revoked_at__isnull=True).exists()
