"""Integration clients (OAuth2 client credentials bound to teams) and inbound referrals' identifiers."""

import uuid

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


class BulkExport(models.Model):
    """A Bulk Data export (``Group/{team}/$export``) a client asked for: the outbox row of its job.

    Written in the kick-off's transaction, so a broker outage loses nothing (the sweeper queues a
    pending export again). Its id is the status URL's, so a guess finds nothing. The row, and its files,
    go when it expires; the AccessEvents of its downloads stay (audit is append-only).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    LIVE = (Status.PENDING, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(IntegrationClient, on_delete=models.CASCADE, related_name="bulk_exports")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    types = models.JSONField(help_text="The resource types to export, in order.")
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now, help_text="When its job was last queued.")
    started_at = models.DateTimeField(null=True, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True, help_text="When the data was read.")
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One export under way per client (a second kick-off is a 429, as the Bulk Data IG allows).
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status__in=["pending", "running"]),
                name="one_live_bulk_export_per_client",
            )
        ]
        indexes = [models.Index(fields=["status", "queued_at"]), models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"Bulk export {self.pk} of team {self.team_id} for {self.client_id} ({self.status})"


class BulkExportFile(models.Model):
    """One NDJSON file of an export: every resource of one type (or the OperationOutcome of a failure)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    is_error = models.BooleanField(default=False)
    name = models.CharField(max_length=200, help_text="Its path in the private export storage.")
    count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    # The children whose data is in the file: each download writes an AccessEvent for each of them.
    patient_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["export", "is_error", "resource_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "resource_type", "is_error"], name="one_bulk_file_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} of export {self.export_id}"
