"""Integration clients (OAuth2 client credentials bound to teams) and inbound referrals' identifiers."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.accounts.models import Team


class IntegrationClient(models.Model):
    """An integration engine that signs in with OAuth2 client credentials.

    It reads as its own service user (so every AccessEvent names the client), only children with a
    relationship to its teams, and only what its SMART scopes allow. Revoking it ends its tokens.
    """

    name = models.CharField(max_length=150, unique=True)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="integration_client"
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    teams = models.ManyToManyField(Team, related_name="integration_clients")
    scopes = models.CharField(
        max_length=1000, help_text="SMART scopes, space-separated, e.g. 'system/Patient.read system/*.read'."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes.split())


class InboundReferral(models.Model):
    """A ServiceRequest a client posted, by its identifier: the same identifier again is the same referral."""

    client = models.ForeignKey(IntegrationClient, on_delete=models.PROTECT, related_name="inbound_referrals")
    identifier_system = models.CharField(max_length=255)
    identifier_value = models.CharField(max_length=100)
    # Empty while the referral is being received: the row is claimed first, so a repeat waits for it.
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "identifier_system", "identifier_value"], name="inbound_referral_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier_system}|{self.identifier_value}"
