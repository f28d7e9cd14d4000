"""Staff single sign-on with OpenID Connect (mozilla-django-oidc), off unless ``OIDC_ENABLED``.

The identity provider (IdP) proves who someone is; CareCoord then decides whether that person gets
in, here:

- only a verified email (``email_verified`` true) is matched, to an existing *staff* account;
- a family account is never signed in this way; a closed account is refused, and so is one whose
  email an administrator changed in the last day (recovery.py);
- the first sign-on binds the account to the IdP's ``sub``; after that the account is found by that
  subject, and an email that now belongs to a different subject is refused (addresses get reissued);
- an unknown email is refused with a plain message, or (``OIDC_CREATE_USERS``) gets a new staff
  account with no role, which sees nothing until a clinic administrator gives it a role and teams;
- the ID token must be for this client (``aud``) from this provider (``iss``), besides the
  signature, expiry and nonce mozilla-django-oidc checks, and userinfo must be about its ``sub``;
- an ``amr`` naming a multi-factor method (``OIDC_MFA_AMR_VALUES``) or an ``acr`` from
  ``OIDC_MFA_ACR_VALUES`` counts as the second step, in place of CareCoord's own code
  (``sign_on_verified``); without it the two-step gate applies as after a password.

Every sign-in and refusal is logged (``carecoord.security``); refusals also reach django-axes as
failed log ins with the email the IdP gave.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ..models import User
from ..services import record_account_change, system_user
from .devices import IdentityProviderCheck
from .recovery import held_until

logger = logging.getLogger("carecoord.security")

# Set on the request by the backend for the callback view and the lockout's email lookup.
SIGN_ON_EMAIL_ATTR = "carecoord_sign_on_email"
SIGN_ON_MFA_ATTR = "carecoord_sign_on_mfa"

UNVERIFIED = (
    "Your organisation's account does not have a verified email address, so CareCoord cannot match "
    "it to a staff account. Ask your IT service desk to verify your email address."
)
UNKNOWN = (
    "There is no CareCoord staff account for {email}. Ask a clinic administrator to add you with "
    "this email address, then sign in again."
)
FAMILY = (
    "The CareCoord account for {email} is a family account. Family accounts cannot use single "
    "sign-on: use the family log in page."
)
HELD = (
    "The email address of the CareCoord account for {email} was changed in the last {hours} hours, "
    "so single sign-on cannot open it yet. Log in with your password, or try again later."
)
OTHER_IDENTITY = (
    "The CareCoord account for {email} is linked to a different account at your organisation, so "
    "single sign-on cannot open it. Ask a clinic administrator to check which account is yours."
)
CLOSED = "The CareCoord account for {email} is closed. Ask a clinic administrator if you need it."


class SignOnRefused(Exception):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


_discovered: dict[str, tuple[float, Provider]] = {}
DISCOVERY_CACHE_SECONDS = 3600


def provider() -> Provider:
    """The provider's endpoints: explicit settings, else its discovery document (cached an hour)."""
    url = settings.OIDC_OP_DISCOVERY
    if not url:
        return Provider(
            issuer=settings.OIDC_OP_ISSUER,
            authorization_endpoint=settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
            token_endpoint=settings.OIDC_OP_TOKEN_ENDPOINT,
            userinfo_endpoint=settings.OIDC_OP_USER_ENDPOINT,
            jwks_uri=settings.OIDC_OP_JWKS_ENDPOINT,
            end_session_endpoint=settings.OIDC_OP_LOGOUT_ENDPOINT,
        )
    if not url.rstrip("/").endswith("/.well-known/openid-configuration"):
        url = url.rstrip("/") + "/.well-known/openid-configuration"
    cached = _discovered.get(url)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_CACHE_SECONDS:
        return cached[1]
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    try:
        found = Provider(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=settings.OIDC_OP_LOGOUT_ENDPOINT or document.get("end_session_endpoint", ""),
        )
    except KeyError as exc:
        raise ImproperlyConfigured(f"The OIDC discovery document lacks {exc}") from exc
    _discovered[url] = (time.monotonic(), found)
    return found


def mfa_reported(id_claims: dict[str, Any]) -> bool:
    """Did the IdP say this log in used more than one factor (``amr`` or a configured ``acr``)?"""
    amr = id_claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.OIDC_MFA_AMR_VALUES):
        return True
    return bool(id_claims.get("acr")) and id_claims.get("acr") in settings.OIDC_MFA_ACR_VALUES


def _full_name(claims: dict[str, Any], email: str) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(str(claims.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
    return (name or email.split("@")[0])[:150]


def staff_user_for_sign_on(*, claims: dict[str, Any]) -> User:
    """The staff account these IdP claims sign in to, or ``SignOnRefused`` saying why not.

    The account bound to the claims' ``sub`` wins; otherwise the verified email finds an unbound
    account, which is then bound to this subject.
    """
    email = str(claims.get("email") or "").strip().lower()
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SuspiciousOperation("The provider's claims carry no subject.")
    user = User.objects.filter(sso_subject=subject).first()
    if user is not None:
        _check_may_sign_on(user, email=user.email)
        if email and email != user.email:
            logger.warning("Single sign-on subject of %s now reports the email %s", user.email, email)
        return user
    if not email or claims.get("email_verified") is not True:
        raise SignOnRefused(UNVERIFIED, "email not verified")
    user = User.objects.filter(email=email).first()
    if user is None:
        if not settings.OIDC_CREATE_USERS:
            raise SignOnRefused(UNKNOWN.format(email=email), "no account")
        return _staff_user_create_from_sign_on(email=email, subject=subject, claims=claims)
    if user.sso_subject:
        raise SignOnRefused(OTHER_IDENTITY.format(email=email), "email bound to another subject")
    _check_may_sign_on(user, email=email)
    _bind_subject(user, subject)
    return user


def _check_may_sign_on(user: User, *, email: str) -> None:
    if user.kind != User.Kind.STAFF:
        raise SignOnRefused(FAMILY.format(email=email), "family account")
    if not user.is_active:
        raise SignOnRefused(CLOSED.format(email=email), "account closed")
    until = held_until(user.email_changed_at)
    if until is not None:  # a new address is not trusted for single sign-on at once (recovery.py)
        raise SignOnRefused(
            HELD.format(email=email, hours=settings.ACCOUNT_RECOVERY_HOLD_HOURS), "email just changed"
        )


def _bind_subject(user: User, subject: str) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                bound = User.objects.filter(pk=user.pk, sso_subject__isnull=True).update(sso_subject=subject)
        except IntegrityError:  # another account took this subject at the same moment
            raise SignOnRefused(OTHER_IDENTITY.format(email=user.email), "subject bound meanwhile") from None
        if bound:
            record_account_change(
                actor=system_user(), user=user, message="Linked to its single sign-on identity."
            )
    user.sso_subject = subject


def _staff_user_create_from_sign_on(*, email: str, subject: str, claims: dict[str, Any]) -> User:
    """A staff account with no role and no password: it sees no child until an administrator gives
    it a role and teams (and it can only log in through single sign-on until then)."""
    with transaction.atomic():
        user = User.objects.create(
            email=email,
            full_name=_full_name(claims, email),
            kind=User.Kind.STAFF,
            password=make_password(None),
            sso_subject=subject,
        )
        record_account_change(
            actor=system_user(), user=user, message="Created at its first single sign-on (no role yet)."
        )
    logger.warning("Single sign-on created staff account %s (no role yet)", email)
    return user


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with CareCoord's matching rules and the checks above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        found = provider()
        self.issuer = found.issuer
        self.OIDC_OP_TOKEN_ENDPOINT = found.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = found.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (a signed userinfo answer has no nonce to check)
            if self.OIDC_RP_CLIENT_ID not in _audiences(payload):
                raise SuspiciousOperation("The ID token is not for this client.")
            if self.issuer and payload.get("iss") != self.issuer:
                raise SuspiciousOperation("The ID token is not from the configured provider.")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("Userinfo is about someone other than the ID token's subject.")
        request: HttpRequest = self.request
        email = str(claims.get("email") or "").strip().lower() or None
        setattr(request, SIGN_ON_EMAIL_ATTR, email)
        try:
            user = staff_user_for_sign_on(claims=claims)
        except SignOnRefused as refusal:
            logger.warning("Single sign-on refused for %s: %s", email, refusal.reason)
            messages.error(request, refusal.message)
            return None
        mfa = mfa_reported(payload)
        setattr(request, SIGN_ON_MFA_ATTR, mfa)
        logger.info(
            "Single sign-on by %s (multi-factor at the provider: %s)", user.email, "yes" if mfa else "no"
        )
        return user

    def get_user(self, user_id: Any) -> User | None:
        # A session of a closed account, or of a family account, ends.
        user = User.objects.filter(pk=user_id, is_active=True, kind=User.Kind.STAFF).first()
        return user


def provider_logout_url(request: HttpRequest, *, after: str) -> str | None:
    """Where to send someone logging out of a single sign-on session, so the provider's ends too.

    Read before Django's logout clears the session; ``None`` for a password session, or when the
    provider publishes no end-session endpoint (then only CareCoord's session ends).
    """
    if not (settings.OIDC_ENABLED and settings.OIDC_SINGLE_LOGOUT):
        return None
    id_token = request.session.get("oidc_id_token")
    if not id_token:
        return None
    try:
        endpoint = provider().end_session_endpoint
    except (requests.RequestException, ImproperlyConfigured, ValueError):
        logger.warning(
            "Single sign-on logout: the provider could not be reached; only CareCoord's session ended"
        )
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(after),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def sign_on_verified(request: HttpRequest, user: User) -> None:
    """After the log in: the IdP's multi-factor log in counts as this session's second step."""
    if not getattr(request, SIGN_ON_MFA_ATTR, False):
        return
    check, _ = IdentityProviderCheck.objects.get_or_create(
        user=user, defaults={"name": f"{settings.OIDC_PROVIDER_NAME} multi-factor sign-in"}
    )
    otp_login(request, check)
