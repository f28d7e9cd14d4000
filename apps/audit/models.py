from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class AppendOnlyModel(models.Model):
    """Rows are written once. PostgreSQL enforces the same with a trigger (see migrations)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted")


class AccessEvent(AppendOnlyModel):
    """Someone read part of a child's record."""

    class Channel(models.TextChoices):
        PAGE = "page", "Web page"
        API = "api", "API"
        FHIR = "fhir", "FHIR"
        EXPORT = "export", "Export"

    # No single-column indexes: (user, -at) and (patient, -at) below serve those lookups, and every index
    # here is paid on every audited read. The time column has a BRIN index on PostgreSQL (migration 0004):
    # rows arrive in time order, so a few pages of it answer a date range over millions of rows.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_events", db_index=False
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="access_events", db_index=False
    )
    what = models.CharField(max_length=100, help_text="The part of the record that was read.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    path = models.CharField(max_length=300, blank=True)

    class Basis(models.TextChoices):
        """Why the reader could see the child (the words are apps.patients.access's bases)."""

        GUARDIAN = "guardian", "Guardian"
        NAMED_NURSE = "named_nurse", "Named nurse"
        CARE_TEAM = "care_team", "Care team"
        OPEN_REFERRAL = "open_referral", "Open referral"
        COVER = "cover", "Cover for an absent named nurse"
        BREAK_GLASS = "break_glass", "Break-glass"
        ADMIN = "admin", "Records / admin"
        INTEGRATION = "integration", "Integration client (its teams' children)"
        UNKNOWN = "unknown", "Unknown (before bases were recorded)"

    request_id = models.CharField(max_length=64, blank=True)
    via_break_glass = models.BooleanField(default=False)
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.UNKNOWN)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["user", "-at"]),
            models.Index(fields=["basis", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.what} of patient {self.patient_id} at {self.at:%Y-%m-%d %H:%M}"


class BreakGlassGrant(models.Model):
    """Time-limited emergency access for staff outside a child's care team.

    Written once by ``break_glass_open``; only the review fields change afterwards.
    """

    class Category(models.TextChoices):
        EMERGENCY = "emergency", "Emergency"
        OUT_OF_HOURS = "out_of_hours", "Out-of-hours cover"
        SAFEGUARDING = "safeguarding", "Safeguarding"
        OTHER = "other", "Other"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"]),
            models.Index(fields=["reviewed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="grant_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass by {self.user} for patient {self.patient_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()

    def clean(self) -> None:
        if not self.reason.strip():
            raise ValidationError({"reason": "Give a reason for opening this record."})
