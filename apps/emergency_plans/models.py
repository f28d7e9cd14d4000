"""A per-child emergency plan ("If Alice becomes unwell"), built from the record and worded only by
clinician-approved text blocks kept as data.

A plan has versions. A nurse or consultant prepares a draft (a snapshot of the child's open courses,
key contacts and the advice blocks that apply); the child's consultant approves it; families only ever
see the latest approved version. A course change marks the plan for review. The team's phone numbers
and hours are not in the snapshot: they are read live from ``accounts.Team`` (administrative data the
clinic keeps current), so an old plan never shows a number that has since changed.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

# The only placeholders a block may use; anything else in braces is refused when the block is saved.
PLACEHOLDERS = {
    "child_name": "The child's first name",
    "team_name": "The family's care team (the nursing team)",
    "team_phone": "The team's phone number",
    "team_hours": "The team's opening hours",
    "out_of_hours_phone": "Who to call when the team is closed",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


class AdviceBlock(models.Model):
    """A piece of wording a clinician approved, and what it applies to.

    ``every_plan`` blocks appear on every plan (what to do when the child is unwell); ``agent`` blocks
    appear under a course of one of ``agents`` (TreatmentCourse.Agent codes). A new wording is a new
    version of the same key; the plan uses the highest active version.
    """

    class Applies(models.TextChoices):
        EVERY_PLAN = "every_plan", "Every plan"
        AGENT = "agent", "A course of one of the treatments listed"

    key = models.SlugField(max_length=60)
    version = models.PositiveSmallIntegerField(default=1)
    applies_to = models.CharField(max_length=12, choices=Applies.choices)
    agents = models.JSONField(
        default=list, blank=True, help_text="Treatment codes (for example acth, rituximab) it applies to."
    )
    title = models.CharField(max_length=120)
    text = models.TextField(
        help_text="Plain words. Placeholders: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    )
    card_text = models.CharField(
        max_length=160, blank=True, help_text="A short form for the wallet card (optional)."
    )
    order = models.PositiveSmallIntegerField(default=0)
    approved_by = models.CharField(max_length=150, help_text="Who approved this wording (a person or group).")
    approved_at = models.DateField()
    is_demo = models.BooleanField(default=False, help_text="Demo text, not clinical advice.")
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="advice_block_key_version"),
            models.CheckConstraint(
                condition=Q(applies_to__in=["every_plan", "agent"]), name="advice_block_applies_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}{', demo' if self.is_demo else ''})"

    def clean(self) -> None:
        errors = {}
        for field in ("text", "card_text"):
            unknown = unknown_placeholders(getattr(self, field))
            if unknown:
                errors[field] = f"Unknown placeholder: {', '.join('{' + u + '}' for u in unknown)}."
        if self.applies_to == self.Applies.AGENT:
            from apps.pathways.models import TreatmentCourse

            agents = self.agents if isinstance(self.agents, list) else []
            if not agents or any(a not in TreatmentCourse.Agent.values for a in agents):
                errors["agents"] = 'List the treatment codes this applies to, for example ["acth"].'
        if errors:
            raise ValidationError(errors)


class EmergencyPlan(models.Model):
    """The child's plan: its versions, and whether a change to treatment means it needs review."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="emergency_plan")
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=300, blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    reviews_requested = models.PositiveIntegerField(
        default=0, help_text="Counts the reviews asked for: each one's task has its own key."
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Emergency plan for {self.patient.full_name}"


class PlanVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SUPERSEDED = "superseded", "Replaced by a later version"
        WITHDRAWN = "withdrawn", "Withdrawn before approval"

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(help_text="What the plan says, as built from the record (see selectors).")
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once"),
            # Families see one version: at most one approved at a time.
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="approved"), name="plan_one_approved_version"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded"])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="plan_version_approved_has_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} ({self.get_status_display()})"
