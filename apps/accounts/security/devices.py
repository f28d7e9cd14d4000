"""Second-step devices (django-otp device models of our own), with nothing usable kept in clear.

django-otp's own TOTPDevice keeps the app's key in hex and its StaticToken keeps backup codes as
typed. Here the app's key is encrypted (``at_rest.encrypt``), a backup code is kept only as a keyed
hash and is deleted when used, and a sign-in whose identity provider reported a multi-factor log in
is marked verified through ``IdentityProviderCheck`` (it accepts no code of its own).
"""

import os
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from . import at_rest

APP_KEY_BYTES = 20  # 160 bits, as RFC 4226 recommends and authenticator apps expect


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    """A time-based (TOTP, RFC 6238) authenticator app; its key encrypted at rest."""

    encrypted_key = models.TextField(editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: a code is accepted once (no replay).
    last_t = models.BigIntegerField(default=-1)

    class Meta:
        verbose_name = "authenticator app"

    @classmethod
    def new_unsaved(cls, *, user: object, name: str, confirmed: bool = False) -> "AuthenticatorApp":
        """A new app with a fresh random key (confirmed once its first code is checked)."""
        key = at_rest.encrypt(os.urandom(APP_KEY_BYTES))
        return cls(user=user, name=name, confirmed=confirmed, encrypted_key=key)

    @property
    def bin_key(self) -> bytes:
        return at_rest.decrypt(self.encrypted_key)

    def verify_token(self, token: object) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        try:
            code = int(str(token))
        except ValueError:
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(code, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save(
                    update_fields=[
                        "last_t",
                        "drift",
                        "throttling_failure_count",
                        "throttling_failure_timestamp",
                        "last_used_at",
                    ]
                )
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The otpauth:// link an app reads from the QR code (Key URI format)."""
        issuer = str(settings.OTP_TOTP_ISSUER).replace(":", "")
        label = quote(f"{issuer}:{self.user.get_username()}")
        params = urlencode(
            {"secret": b32encode(self.bin_key).decode(), "algorithm": "SHA1", "digits": self.digits}
        )
        return f"otpauth://totp/{label}?{params}&period={self.step}&issuer={quote(issuer)}"


class BackupCodes(ThrottlingMixin, Device):
    """One person's set of single-use backup codes (the codes themselves are ``BackupCode`` rows)."""

    class Meta:
        verbose_name = "backup codes"
        verbose_name_plural = "backup codes"

    def verify_token(self, token: object) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        # Deleting the matching row is the check: of two requests with one code, only one deletes it.
        used, _ = self.codes.filter(digest__in=at_rest.digests(str(token))).delete()
        if used:
            self.throttle_reset(commit=True)
        else:
            self.throttle_increment(commit=True)
        return bool(used)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))


class BackupCode(models.Model):
    """A backup code as its keyed hash (HMAC-SHA256): the code itself is shown once and not kept."""

    device = models.ForeignKey(BackupCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "digest"], name="backup_code_unique")]

    def __str__(self) -> str:
        return "Backup code (hashed)"


class IdentityProviderCheck(Device):
    """Marks a session verified when the organisation's identity provider (single sign-on) reported
    a multi-factor log in. It accepts no code: only the sign-on callback uses it."""

    class Meta:
        verbose_name = "identity provider multi-factor check"

    def verify_token(self, token: object) -> bool:
        return False
