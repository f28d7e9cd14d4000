"""The tumour (neuroblastoma): site, INRG stage and the oncology and surgical course."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class Tumour(models.Model):
    class InrgStage(models.TextChoices):
        L1 = "L1", "L1: localised, no image-defined risk factors"
        L2 = "L2", "L2: locoregional, with image-defined risk factors"
        M = "M", "M: distant metastases"
        MS = "MS", "MS: under 18 months, metastases confined to skin, liver and/or marrow"

    class OncologyStatus(models.TextChoices):
        STAGING = "staging", "Staging"
        AWAITING_SURGERY = "awaiting_surgery", "Awaiting surgery"
        POST_SURGERY_MONITORING = "post_surgery_monitoring", "Post-surgery monitoring"
        DISCHARGED = "discharged", "Discharged from oncology"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tumours")
    site = models.CharField(max_length=150)
    inrg_stage = models.CharField("INRG stage", max_length=2, choices=InrgStage.choices, blank=True)
    detected_on = models.DateField()
    resected_on = models.DateField(null=True, blank=True)
    surgical_outcome = models.CharField(max_length=300, blank=True)
    oncology_status = models.CharField(
        max_length=30, choices=OncologyStatus.choices, default=OncologyStatus.STAGING
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resected_on__isnull=True) | Q(resected_on__gte=models.F("detected_on")),
                name="resection_not_before_detection",
            )
        ]

    def __str__(self) -> str:
        return f"Tumour ({self.site}, {self.inrg_stage or 'unstaged'})"
