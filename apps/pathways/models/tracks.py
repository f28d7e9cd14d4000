"""Specialty tracks: one stage per specialty per child, and the moves between stages."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class Specialty(models.TextChoices):
    NEUROLOGY = "neurology", "Neurology"
    ONCOLOGY = "oncology", "Oncology"
    SURGERY = "surgery", "Surgery"
    NURSING = "nursing", "Nursing"
    PSYCHOLOGY = "psychology", "Psychology"
    NEUROPSYCHOLOGY = "neuropsychology", "Neuropsychology"
    THERAPIES = "therapies", "Therapies"


class SpecialtyTrack(models.Model):
    class Stage(models.TextChoices):
        NOT_INVOLVED = "not_involved", "Not involved"
        REFERRED = "referred", "Referred"
        ASSESSING = "assessing", "Assessing"
        TREATING = "treating", "Treating"
        MONITORING = "monitoring", "Monitoring"
        DISCHARGED = "discharged", "Discharged"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="tracks")
    specialty = models.CharField(max_length=20, choices=Specialty.choices)
    stage = models.CharField(max_length=15, choices=Stage.choices, default=Stage.NOT_INVOLVED)
    stage_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["specialty"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "specialty"], name="one_track_per_specialty")
        ]

    def __str__(self) -> str:
        return f"{self.get_specialty_display()}: {self.get_stage_display()}"


class TrackEvent(models.Model):
    track = models.ForeignKey(SpecialtyTrack, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=15, choices=SpecialtyTrack.Stage.choices)
    to_stage = models.CharField(max_length=15, choices=SpecialtyTrack.Stage.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.track}: {self.from_stage} -> {self.to_stage}"
