"""Tumour surveillance after resection, as a policy kept as data (like review policies) (HAZ-09)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .investigations import Investigation
from .tumours import Tumour


class SurveillancePolicy(models.Model):
    """Which investigations a child has after neuroblastoma resection, and how often (HAZ-09).

    Clinic policy, kept as data. The demo policy is marked as a demo: the oncology team sets the real one.
    """

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        default=21, help_text="Request each investigation this long before it is due."
    )
    is_demo = models.BooleanField(default=False, help_text="A demo schedule, not the clinic's policy.")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "surveillance policies"

    def __str__(self) -> str:
        return f"{self.name}{' (demo)' if self.is_demo else ''}"


class SurveillanceStep(models.Model):
    """One investigation of a policy: every N months after resection, until M months after it."""

    policy = models.ForeignKey(SurveillancePolicy, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=Investigation.Kind.choices)
    every_months = models.PositiveSmallIntegerField()
    until_months = models.PositiveSmallIntegerField(help_text="Stop this long after resection.")

    class Meta:
        ordering = ["policy", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="surveillance_step_once_per_kind"),
            models.CheckConstraint(condition=Q(every_months__gte=1), name="surveillance_every_positive"),
            models.CheckConstraint(
                condition=Q(until_months__gte=models.F("every_months")), name="surveillance_until_after_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} every {self.every_months} months for {self.until_months} months"


class SurveillanceDue(models.Model):
    """One surveillance investigation that fell due and was requested. Unique per tumour, step and date."""

    tumour = models.ForeignKey(Tumour, on_delete=models.CASCADE, related_name="surveillance")
    step = models.ForeignKey(SurveillanceStep, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    investigation = models.ForeignKey(
        Investigation, on_delete=models.SET_NULL, null=True, related_name="surveillance"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True, help_text="Set once, when escalated.")

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["tumour", "step", "due_on"], name="surveillance_once_per_due_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} due {self.due_on} for tumour {self.tumour_id}"
