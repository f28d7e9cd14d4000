"""Secrets kept at rest: encrypted (authenticator app keys) or keyed-hashed (backup codes).

Keys come from ``FIELD_ENCRYPTION_KEY`` (one or more Fernet keys, comma-separated: the first
encrypts, every one decrypts, so a key can be rotated in) and, always as a fallback for decrypting,
a key derived from ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``) with HKDF. With no
``FIELD_ENCRYPTION_KEY`` the derived key encrypts. A database dump alone therefore yields neither
an app's key nor a usable backup code.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_ENCRYPTION_INFO = b"carecoord field encryption v1"
_DIGEST_INFO = b"carecoord backup code digest v1"


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _secret_keys() -> list[bytes]:
    """The raw key material, current first: configured keys, then SECRET_KEY and its fallbacks."""
    configured = [key.encode() for key in settings.FIELD_ENCRYPTION_KEYS]
    derived = [
        base64.urlsafe_b64encode(_derive(str(secret).encode(), _ENCRYPTION_INFO))
        for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    ]
    return configured + derived


@lru_cache(maxsize=4)
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: bytes) -> str:
    return _fernet(tuple(_secret_keys())).encrypt(value).decode()


def decrypt(token: str) -> bytes:
    return _fernet(tuple(_secret_keys())).decrypt(token.encode())


def rotate(token: str) -> str:
    """The same secret encrypted under the current key (for re-encrypting after a rotation)."""
    return _fernet(tuple(_secret_keys())).rotate(token.encode()).decode()


def digests(value: str) -> list[str]:
    """Keyed hashes (HMAC-SHA256) of ``value``, current key first: store the first, match any."""
    return [
        hmac.new(_derive(key, _DIGEST_INFO), value.encode(), hashlib.sha256).hexdigest()
        for key in _secret_keys()
    ]
