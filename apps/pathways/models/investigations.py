"""Investigations: MRI, bloods, CSF, the tumour search and antibodies, each through its lifecycle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class Investigation(models.Model):
    class Kind(models.TextChoices):
        MRI_BRAIN = "mri_brain", "MRI brain"
        INFECTION_BLOODS = "infection_bloods", "Infection bloods"
        LUMBAR_PUNCTURE = "lumbar_puncture", "Lumbar puncture / CSF"
        CAP_IMAGING = "cap_imaging", "CT or MRI chest, abdomen and pelvis"
        MIBG = "mibg", "MIBG scan"
        URINE_CATECHOLAMINES = "urine_hva_vma", "Urine HVA/VMA"
        ANTIBODY_PANEL = "antibody_panel", "Antibody panel"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        BOOKED = "booked", "Booked"
        DONE = "done", "Done"
        RESULTED = "resulted", "Resulted"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="investigations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(
        max_length=200, blank=True, help_text="What exactly, when the type is Other."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(default=timezone.localdate)
    booked_for = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    resulted_at = models.DateTimeField(null=True, blank=True)
    result_summary = models.TextField(blank=True)
    abnormal = models.BooleanField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_overdue_at = models.DateTimeField(
        null=True, blank=True, help_text="Set once when an unacknowledged result was escalated."
    )
    cancel_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["patient", "status"]),
            models.Index(
                fields=["resulted_at"],
                name="investigation_unacknowledged",
                condition=Q(status="resulted", acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        if self.kind == self.Kind.OTHER and self.description:
            return self.description
        return self.get_kind_display()


class InvestigationEvent(models.Model):
    """One step of an investigation (who, when, from, to, note). The request is the first, from "".

    Acknowledging a result is a step too, but not a status: the investigation stays resulted, with
    who acknowledged it, so the API and the caseload keep reading ``status`` as before.
    """

    ACKNOWLEDGED = "acknowledged"
    STEPS = [*Investigation.Status.choices, (ACKNOWLEDGED, "Acknowledged")]

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=Investigation.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=STEPS)
    # Null only on steps backfilled from history that named no user.
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.investigation_id}: {self.from_status or '-'} -> {self.to_status}"
