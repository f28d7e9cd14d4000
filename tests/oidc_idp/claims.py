"""The claims this test provider asserts about a user, from the user's groups:

- ``email-unverified``: ``email_verified`` is false;
- ``mfa``: ``amr`` is ``["pwd", "mfa"]`` (else ``["pwd"]``);
- ``acr-high``: ``acr`` is ``"urn:example:loa:high"``.
"""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .provider import HIGH_ACR


class ClaimsValidator(OAuth2Validator):
    # amr and acr go with the openid scope (the base class drops claims it has no scope for).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid", "acr": "openid"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        groups = set(user.groups.values_list("name", flat=True))
        claims: dict[str, Any] = {
            "email": user.email,
            "email_verified": "email-unverified" not in groups,
            "name": user.get_full_name(),
            "amr": ["pwd", "mfa"] if "mfa" in groups else ["pwd"],
        }
        if "acr-high" in groups:
            claims["acr"] = HIGH_ACR
        return claims
