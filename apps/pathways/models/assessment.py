"""Diagnosis: the OMS status and aetiology, and the four consensus criteria (three of four)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class DiagnosticAssessment(models.Model):
    class OmsStatus(models.TextChoices):
        SUSPECTED = "suspected", "Suspected"
        CONFIRMED = "confirmed", "Confirmed"
        EXCLUDED = "excluded", "Excluded"

    class Aetiology(models.TextChoices):
        NEUROBLASTOMA = "neuroblastoma", "Neuroblastoma-associated"
        POST_INFECTIOUS = "post_infectious", "Post-infectious"
        IDIOPATHIC = "idiopathic", "Idiopathic"
        UNKNOWN = "unknown", "Not yet known"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="assessment")
    oms_status = models.CharField(max_length=12, choices=OmsStatus.choices, default=OmsStatus.SUSPECTED)
    aetiology = models.CharField(max_length=20, choices=Aetiology.choices, default=Aetiology.UNKNOWN)
    onset_date = models.DateField(null=True, blank=True, help_text="When symptoms began.")
    diagnosis_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(onset_date__isnull=True)
                | Q(diagnosis_date__isnull=True)
                | Q(diagnosis_date__gte=models.F("onset_date")),
                name="diagnosis_not_before_onset",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment for patient {self.patient_id}: {self.get_oms_status_display()}"


class DiagnosticCriterion(models.Model):
    """One of the four consensus criteria, recorded present or absent, when and by whom."""

    class Criterion(models.TextChoices):
        OPSOCLONUS = "opsoclonus", "Opsoclonus or ocular flutter"
        ATAXIA_MYOCLONUS = "ataxia_myoclonus", "Ataxia and/or myoclonus"
        BEHAVIOUR_SLEEP = "behaviour_sleep", "Behavioural change and/or sleep disturbance"
        NEUROBLASTOMA = "neuroblastoma", "Neuroblastoma"

    assessment = models.ForeignKey(DiagnosticAssessment, on_delete=models.CASCADE, related_name="criteria")
    criterion = models.CharField(max_length=20, choices=Criterion.choices)
    present = models.BooleanField()
    observed_on = models.DateField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)
    incomplete_search_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why neuroblastoma was recorded absent before the tumour search was complete.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="criterion_once_per_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.get_criterion_display()}: {'present' if self.present else 'absent'}"
