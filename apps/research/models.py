"""Consent per child, shaped like FHIR ``Consent``, and the pseudonymised research exports it allows.

A ``ConsentScope`` is a registry or a study, kept as data (the demo one is labelled). A ``Consent`` is
one recorded decision for one scope; the latest one recorded for a child and scope is the one that
counts, earlier ones stay as history, and none is ever deleted. Withdrawing a permit stops every later
export. A ``ResearchExport`` is the audit record of one export: who, when, which scope, how many
children and the SHA-256 of the file it stored privately.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.patients.models import Guardian, Patient


class ConsentScope(models.Model):
    """What a consent is for: a registry or a research study (FHIR Consent.scope / policy)."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", "Registry"
        RESEARCH = "research", "Research study"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True)
    is_demo = models.BooleanField(default=False, help_text="A demo scope, not a real registry or study.")
    is_active = models.BooleanField(default=True, help_text="Offered when recording new consent.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}{' (demo)' if self.is_demo else ''}"


class Consent(models.Model):
    """One decision about one scope for one child. Never deleted; a withdrawal is recorded on it."""

    class Decision(models.TextChoices):
        PERMIT = "permit", "Agreed (permit)"
        DENY = "deny", "Declined (deny)"

    class Consenter(models.TextChoices):
        GUARDIAN = "guardian", "A parent or guardian"
        YOUNG_PERSON = "young_person", "The young person themself"

    class Verification(models.TextChoices):
        PAPER_FORM = "paper_form", "Signed paper form seen"
        VERBAL_WITNESSED = "verbal_witnessed", "Verbal, with a witness"
        PORTAL_GUARDIAN = "portal_guardian", "Portal, by a guardian with parental responsibility"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    scope = models.ForeignKey(ConsentScope, on_delete=models.PROTECT, related_name="consents")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    period_start = models.DateField()
    period_end = models.DateField(null=True, blank=True)
    consenter = models.CharField(max_length=15, choices=Consenter.choices)
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Which guardian consented, when a guardian did.",
    )
    verification = models.CharField(max_length=20, choices=Verification.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["scope", "patient", "-recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="consent_period_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(withdrawn_by__isnull=False, withdrawn_at__isnull=False, decision="permit"),
                name="consent_withdrawal_complete",
            ),
            models.CheckConstraint(
                condition=~Q(consenter="guardian") | Q(guardian__isnull=False),
                name="consent_guardian_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.get_decision_display()} from {self.period_start}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise models.ProtectedError("Consent records are never deleted: record a withdrawal instead.", {self})

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class ResearchExport(models.Model):
    """One export: its audit record, and the private file while it may still be downloaded."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to run"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    scope = models.ForeignKey(ConsentScope, on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    finished_at = models.DateTimeField(null=True, blank=True)
    children_count = models.PositiveIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="In RESEARCH_EXPORT_ROOT.")
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    key_source = models.CharField(max_length=20, blank=True, help_text="environment or development default")
    error = models.CharField(max_length=300, blank=True)
    downloads = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [("run_export", "Can run the pseudonymised research export (research lead)")]

    def __str__(self) -> str:
        return f"Research export {self.pk} ({self.scope.code}, {self.get_status_display()})"
