"""Integration clients (create, with its service user and OAuth2 application; revoke) and their
inbound referrals."""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from apps.accounts.models import Team, User
from apps.referrals.services import referral_receive_external
from carecoord.errors import ApplicationError

from .inbound import Inbound
from .models import InboundReferral, IntegrationClient
from .scopes import all_scopes

SERVICE_DOMAIN = "integration.carecoord.invalid"


def check_scopes(scopes: str) -> str:
    known = all_scopes()
    unknown = [s for s in scopes.split() if s not in known]
    if unknown or not scopes.split():
        raise ValidationError(
            {"scopes": f"Unknown scope(s): {', '.join(unknown)}." if unknown else "Give at least one scope."}
        )
    return " ".join(dict.fromkeys(scopes.split()))


def integration_client_create(
    *, actor: User, name: str, teams: list[Team], scopes: str
) -> tuple[IntegrationClient, str, str]:
    """A new client: its service user (client kind: no role, so it sees nothing anywhere else), its
    confidential client-credentials application, and its teams. Returns the client, its client id and
    its secret (shown once: only a hash is stored)."""
    scopes = check_scopes(scopes)
    if not teams:
        raise ValidationError({"teams": "Bind the client to at least one team."})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():  # not durable: the admin's add view runs inside its own atomic block
        service_user = User.objects.create(
            email=f"client-{secrets.token_hex(8)}@{SERVICE_DOMAIN}",
            full_name=f"Integration client: {name}"[:150],
            kind=User.Kind.CLIENT,
        )
        service_user.set_unusable_password()
        service_user.save(update_fields=["password"])
        application = Application.objects.create(
            name=name,
            user=service_user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        client = IntegrationClient.objects.create(
            name=name, application=application, service_user=service_user, scopes=scopes, created_by=actor
        )
        client.teams.set(teams)
    return client, application.client_id, secret


def integration_client_revoke(*, actor: User, client: IntegrationClient) -> IntegrationClient:
    """Revoked at once: its tokens are deleted and its service user can no longer act."""
    with transaction.atomic():  # not durable: an admin action may call it
        locked = IntegrationClient.objects.select_for_update().get(pk=client.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
        RefreshToken.objects.filter(application_id=locked.application_id).delete()
        AccessToken.objects.filter(application_id=locked.application_id).delete()
        User.objects.filter(pk=locked.service_user_id).update(is_active=False)
    return locked


def inbound_referral_receive(*, client: IntegrationClient, inbound: Inbound) -> bool:
    """Record a client's ServiceRequest through the same intake as the external referral form.

    Idempotent on (client, identifier): the identifier is claimed first, so a repeat (or a racing
    duplicate) never records a second referral. True when recorded now, False when seen before. Any
    refusal by the intake removes the claim: bad input leaves nothing behind.
    """
    key = {
        "client": client,
        "identifier_system": inbound.identifier_system,
        "identifier_value": inbound.identifier_value,
    }
    try:
        with transaction.atomic():
            claim = InboundReferral.objects.create(**key)
    except IntegrityError:
        if InboundReferral.objects.filter(**key, referral__isnull=True).exists():
            raise ApplicationError.stale(
                "This referral is still being received; send it again shortly."
            ) from None
        return False
    try:
        referral = referral_receive_external(actor=client.service_user, **inbound.details)
    except BaseException:
        InboundReferral.objects.filter(pk=claim.pk).delete()
        raise
    InboundReferral.objects.filter(pk=claim.pk).update(referral=referral)
    return True
