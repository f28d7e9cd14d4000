"""Neuropsychology: assessments with a result per domain, the child's school and its support, and the
school-support letter the family passes on.

The domains and bands are the descriptive categories the clinician records; nothing here scores or
interprets them. The letter's text comes from the latest recommendations and is edited by staff
before it is released to the family as a document; nothing goes to the school directly.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient


class Domain(models.TextChoices):
    ATTENTION = "attention", "Attention"
    MEMORY = "memory", "Memory"
    PROCESSING_SPEED = "processing_speed", "Processing speed"
    MOTOR = "motor", "Motor skills"
    LANGUAGE = "language", "Language"
    BEHAVIOUR = "behaviour", "Behaviour"


class Band(models.IntegerChoices):
    """Descriptive result bands, lowest first (the chart plots them in this order)."""

    WELL_BELOW = 1, "Well below average"
    BELOW = 2, "Below average"
    LOW_AVERAGE = 3, "Low average"
    AVERAGE = 4, "Average"
    ABOVE = 5, "Above average"


class Assessment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="neuropsych_assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommendations = models.TextField(help_text="The clinician's recommendations, in their words.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["patient", "assessed_on"])]

    def __str__(self) -> str:
        return f"Neuropsychology assessment {self.assessed_on:%d %b %Y} (patient {self.patient_id})"


class DomainResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    domain = models.CharField(max_length=30, choices=Domain.choices)
    band = models.PositiveSmallIntegerField(choices=Band.choices)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="neuropsych_domain_once"),
            models.CheckConstraint(
                condition=models.Q(band__gte=1, band__lte=5), name="neuropsych_band_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.get_band_display()}"


class SchoolSupport(models.Model):
    """The child's school, a contact there, and the support in place. Changes keep their history."""

    class Status(models.TextChoices):
        NONE = "none", "No extra support"
        SEN_SUPPORT = "sen_support", "SEN support"
        EHCP_REQUESTED = "ehcp_requested", "EHCP requested"
        EHCP_IN_PLACE = "ehcp_in_place", "EHCP in place"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="school_support")
    school = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=150, blank=True, help_text="For example the SENCo.")
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NONE)
    status_since = models.DateField(null=True, blank=True, help_text="Since when this support applies.")
    ehcp_requested_on = models.DateField(null=True, blank=True)
    ehcp_in_place_on = models.DateField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.school or 'School not recorded'}: {self.get_status_display()}"


class SchoolLetter(models.Model):
    """A school-support letter: drafted from an assessment's recommendations, edited by staff, each
    edit a new version of its document, released to the family (who pass it to the school)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="school_letters")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="letters")
    body = models.TextField(help_text="The letter's text, as edited by staff.")
    document = models.ForeignKey(
        "documents.FamilyDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The latest generated version.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"School letter for patient {self.patient_id} ({self.created_at:%d %b %Y})"

    @property
    def is_released(self) -> bool:
        return self.document is not None and self.document.released_at is not None
