"""Severity scales (data, managed by clinic administrators) and the scores recorded against them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class SeverityScale(models.Model):
    """A rating scale version. Once any score uses it, it never changes: an edit makes a new version."""

    name = models.CharField(max_length=150)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Demo configuration, not a validated clinical scale."
    )
    is_active = models.BooleanField(default=True, help_text="Offered when recording new scores.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="scale_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}{' (demo configuration)' if self.is_demo else ''}"


class ScaleItem(models.Model):
    scale = models.ForeignKey(SeverityScale, on_delete=models.PROTECT, related_name="items")
    code = models.SlugField(max_length=50)
    label = models.CharField(max_length=200)
    minimum = models.IntegerField(default=0)
    maximum = models.IntegerField(default=3)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "code"], name="scale_item_code_unique"),
            models.CheckConstraint(
                condition=Q(maximum__gt=models.F("minimum")), name="scale_item_range_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.minimum}–{self.maximum})"


class SeverityScore(models.Model):
    """One rating of a child at a review, against an exact scale version. The total is derived."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="severity_scores")
    scale = models.ForeignKey(SeverityScale, on_delete=models.PROTECT, related_name="scores")
    assessed_on = models.DateField()
    assessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_on", "id"]
        indexes = [models.Index(fields=["patient", "assessed_on"])]

    def __str__(self) -> str:
        return f"{self.scale} score for patient {self.patient_id} on {self.assessed_on}"


class SeverityScoreValue(models.Model):
    """One item's rating, or "not assessable" with the reason (HAZ-12): then the total is partial."""

    class NotAssessable(models.TextChoices):
        AGE = "age", "Not assessable: too young"
        UNABLE = "unable", "Not assessable: unable"

    score = models.ForeignKey(SeverityScore, on_delete=models.CASCADE, related_name="values")
    item = models.ForeignKey(ScaleItem, on_delete=models.PROTECT, related_name="+")
    value = models.IntegerField(null=True, blank=True)
    not_assessable = models.CharField(max_length=10, choices=NotAssessable.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["score", "item"], name="score_value_once_per_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=False, not_assessable="")
                | Q(value__isnull=True) & ~Q(not_assessable=""),
                name="score_value_or_not_assessable_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}={self.value if self.value is not None else self.not_assessable}"
