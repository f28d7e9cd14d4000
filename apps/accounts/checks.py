"""Deployment checks for sign-in (``manage.py check --deploy``)."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

SSO_URL_SETTINGS = (
    "OIDC_OP_DISCOVERY",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


@register(Tags.security, deploy=True)
def single_sign_on_uses_https(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """With single sign-on on, every provider URL is HTTPS (tokens and the client secret cross it)."""
    if not settings.OIDC_ENABLED:
        return []
    return [
        Warning(
            f"{name} is not an https:// URL.",
            hint="Use the identity provider's HTTPS address.",
            id="accounts.W001",
        )
        for name in SSO_URL_SETTINGS
        if getattr(settings, name) and not str(getattr(settings, name)).startswith("https://")
    ]
