"""Referrals between teams (and in from outside), as an explicit state machine with service levels."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Team
from apps.patients.models import Patient


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting triage"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        BOOKED = "booked", "Booked"
        SEEN = "seen", "Seen"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"
        EMERGENCY = "emergency", "Emergency"

    class ExternalSource(models.TextChoices):
        GP = "gp", "GP"
        LOCAL_HOSPITAL = "local_hospital", "Local hospital"
        OTHER = "other", "Other"

    class Identity(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        PENDING = "pending", "Waiting for identity confirmation"
        REJECTED = "rejected", "Not this child"

    OPEN_STATUSES = ("submitted", "accepted", "booked", "seen")
    NOT_YET_SEEN = ("submitted", "accepted", "booked")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="referrals")
    source_team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_sent",
    )
    external_source = models.CharField(max_length=20, choices=ExternalSource.choices, blank=True)
    referrer_name = models.CharField(max_length=150, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    target_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals_received")
    reason = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_assigned",
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.CharField(max_length=300, blank=True, help_text="Why declined or cancelled.")
    triage_breached_at = models.DateTimeField(null=True, blank=True)
    seen_breached_at = models.DateTimeField(null=True, blank=True)
    # An external referral matched to a child the recorder cannot vouch for waits (as a draft) until
    # someone who looks after the child, or the records team, confirms it is about this child.
    identity_status = models.CharField(max_length=10, choices=Identity.choices, default=Identity.CONFIRMED)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who typed in a referral from outside.",
    )
    child_as_stated = models.JSONField(
        default=dict, blank=True, help_text="The child's details as the outside referrer gave them."
    )

    class Meta:
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["target_team", "status"]),
            models.Index(fields=["patient", "status"]),
            models.Index(fields=["source_user", "status"]),
            models.Index(
                fields=["created_at"], condition=Q(identity_status="pending"), name="referral_identity_queue"
            ),
            # The "open referral" branch of visible_patients (permissions.open_referral_scope).
            models.Index(
                fields=["target_team", "patient"],
                condition=Q(
                    status__in=["submitted", "accepted", "booked", "seen"], identity_status="confirmed"
                ),
                name="referral_open_confirmed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(source_team__isnull=False)
                | Q(source_user__isnull=False)
                | ~Q(external_source=""),
                name="referral_has_a_source",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "cancelled"]) | ~Q(outcome_reason=""),
                name="referral_decline_or_cancel_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(identity_status="pending") | Q(status="draft"),
                name="referral_pending_identity_is_draft",
            ),
            # Two people referring the same child to the same team at once: one referral survives.
            models.UniqueConstraint(
                fields=["patient", "target_team"],
                condition=Q(status__in=["submitted", "accepted", "booked", "seen"]),
                name="one_open_referral_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.target_team} for patient {self.patient_id} ({self.get_status_display()})"

    @property
    def source_label(self) -> str:
        if self.external_source:
            who = ", ".join(p for p in (self.referrer_name, self.referrer_organisation) if p)
            return f"{self.get_external_source_display()}{f' ({who})' if who else ''}"
        parts = [str(p) for p in (self.source_user, self.source_team) if p]
        return " – ".join(parts)


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Referral.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or '-'} -> {self.to_status}"


def _attachment_path(instance: "ReferralAttachment", filename: str) -> str:
    return f"referrals/{instance.referral_id}/{timezone.now():%Y%m%d%H%M%S}-{filename[-80:]}"


class ReferralAttachment(models.Model):
    """A letter with the referral. Type and size are checked by the service before saving."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class ServiceLevelTarget(models.Model):
    """How quickly a team triages and sees referrals of one urgency. Managed in the admin."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="service_levels")
    urgency = models.CharField(max_length=10, choices=Referral.Urgency.choices)
    triage_working_days = models.PositiveSmallIntegerField(
        help_text="Working days from submission to triage."
    )
    seen_within_days = models.PositiveSmallIntegerField(
        help_text="Calendar days from submission to being seen."
    )

    class Meta:
        ordering = ["team__name", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["team", "urgency"], name="one_target_per_team_urgency")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.get_urgency_display()}: triage {self.triage_working_days} working days"
