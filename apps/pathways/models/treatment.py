"""Treatment courses (recorded, never dosed), their status changes, and relapses."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class TreatmentCourse(models.Model):
    """A course of treatment. The software records courses; it never calculates doses."""

    class Agent(models.TextChoices):
        DEXAMETHASONE_PULSES = "dexamethasone_pulses", "Dexamethasone pulses"
        METHYLPREDNISOLONE = "methylprednisolone", "Methylprednisolone"
        PREDNISOLONE = "prednisolone", "Prednisolone"
        ACTH = "acth", "ACTH"
        IVIG = "ivig", "IVIG"
        RITUXIMAB = "rituximab", "Rituximab"
        CYCLOPHOSPHAMIDE = "cyclophosphamide", "Cyclophosphamide"
        CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
        RADIOTHERAPY = "radiotherapy", "Radiotherapy"
        SURGERY = "surgery", "Surgery"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        WEANING = "weaning", "Weaning"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatment_courses")
    agent = models.CharField(max_length=30, choices=Agent.choices)
    agent_other = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField()
    planned_end_date = models.DateField(null=True, blank=True)
    wean_started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    regimen_notes = models.TextField(
        blank=True, help_text="Free text, for example '12 pulses at 4-weekly intervals'."
    )
    stop_reason = models.CharField(max_length=300, blank=True)
    second_course_reason = models.CharField(
        max_length=300, blank=True, help_text="Why a second open course of the same agent was recorded."
    )
    prescriber = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True) | Q(planned_end_date__gte=models.F("start_date")),
                name="course_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="stopped") | ~Q(stop_reason=""), name="course_stop_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} from {self.start_date} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        if self.agent == self.Agent.OTHER and self.agent_other:
            return self.agent_other
        return self.get_agent_display()


class CourseEvent(models.Model):
    """A status change of a treatment course (who, when, from, to, note)."""

    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=TreatmentCourse.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=TreatmentCourse.Status.choices)
    on_date = models.DateField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.course_id}: {self.from_status or '-'} -> {self.to_status}"


class Relapse(models.Model):
    class Trigger(models.TextChoices):
        WEANING = "weaning", "Treatment weaning or withdrawal"
        ILLNESS = "illness", "Viral or febrile illness"
        IMMUNISATION = "immunisation", "Immunisation"
        UNKNOWN = "unknown", "Unknown"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="relapses")
    onset_date = models.DateField()
    trigger = models.CharField(max_length=15, choices=Trigger.choices, default=Trigger.UNKNOWN)
    trigger_detail = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    response = models.TextField(
        blank=True, help_text="What was done, for example 'restarted dexamethasone pulses'."
    )
    response_course = models.ForeignKey(
        TreatmentCourse, on_delete=models.SET_NULL, null=True, blank=True, related_name="relapses_treated"
    )
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["onset_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("onset_date")),
                name="relapse_resolved_after_onset",
            )
        ]

    def __str__(self) -> str:
        return f"Relapse from {self.onset_date} ({self.get_severity_display()})"
