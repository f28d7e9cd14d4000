"""Stable pseudonyms: HMAC-SHA256 of a record's id under a secret key from the environment.

The same key gives the same pseudonym in every export (so a registry can follow a child over time);
another key gives unrelated ones, and without the key they cannot be turned back into ids. In
production an export is refused without ``RESEARCH_PSEUDONYM_KEY``; elsewhere a development default is
derived from ``SECRET_KEY`` and every file says so.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

KEY_MIN_LENGTH = 32
ENVIRONMENT = "environment"
DEVELOPMENT_DEFAULT = "development default"
NO_KEY = (
    "Research exports are turned off here: set RESEARCH_PSEUDONYM_KEY in the environment to a long "
    "random secret (at least 32 characters), then try again."
)
SHORT_KEY = "RESEARCH_PSEUDONYM_KEY is too short: use a random secret of at least 32 characters."


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    source: str  # ENVIRONMENT or DEVELOPMENT_DEFAULT

    def of(self, kind: str, pk: int, length: int = 32) -> str:
        """The pseudonym of record ``pk`` of ``kind`` ("patient", "course", ...): hex, ``length`` long."""
        digest = hmac.new(self.secret, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
        return digest[:length]


def pseudonym_key() -> PseudonymKey:
    """The key, or a plain-words ValidationError when production has none (or a short one)."""
    configured = settings.RESEARCH_PSEUDONYM_KEY
    if configured:
        if settings.PRODUCTION and len(configured) < KEY_MIN_LENGTH:
            raise ValidationError(SHORT_KEY, code="not_configured")
        return PseudonymKey(configured.encode(), ENVIRONMENT)
    if settings.PRODUCTION:
        raise ValidationError(NO_KEY, code="not_configured")
    derived = hmac.new(
        settings.SECRET_KEY.encode(), b"carecoord research pseudonym: development default", hashlib.sha256
    ).digest()
    return PseudonymKey(derived, DEVELOPMENT_DEFAULT)
