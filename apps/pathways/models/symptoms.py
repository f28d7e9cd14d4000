"""Symptoms returning: a family's structured report from the portal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.patients.models import Patient

User = settings.AUTH_USER_MODEL


class SymptomReport(models.Model):
    """A family's structured "symptoms are coming back" report: a possible relapse for the nurse to review."""

    class Amount(models.TextChoices):
        NO = "no", "No"
        A_LITTLE = "a_little", "A little"
        A_LOT = "a_lot", "A lot"

    class YesNo(models.TextChoices):
        NO = "no", "No"
        YES = "yes", "Yes"

    # The questions the family answers, in the order the form and the staff pages show them.
    SYMPTOMS = ("unsteady", "jerky_movements", "eye_movements", "sleep", "behaviour", "speech")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="symptom_reports")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    unsteady = models.CharField("Unsteady walking or balance", max_length=10, choices=Amount.choices)
    jerky_movements = models.CharField("Jerky movements", max_length=10, choices=Amount.choices)
    eye_movements = models.CharField("Unusual eye movements", max_length=10, choices=Amount.choices)
    sleep = models.CharField("Sleep problems", max_length=10, choices=Amount.choices)
    behaviour = models.CharField("Behaviour or irritability", max_length=10, choices=Amount.choices)
    speech = models.CharField("Speech changes", max_length=10, choices=Amount.choices)
    recent_illness = models.CharField("Recent illness or fever", max_length=3, choices=YesNo.choices)
    free_text = models.TextField("In the family's words", blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="Set once, when an unreviewed report was escalated (HAZ-03)."
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["patient", "reviewed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(reviewed_by__isnull=False),
                name="symptom_report_reviewed_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"Symptom report for patient {self.patient_id} at {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer) for each symptom and the illness question, for staff pages and the task."""
        return [
            (
                str(getattr(self._meta.get_field(name), "verbose_name", name)),
                getattr(self, f"get_{name}_display")(),
            )
            for name in (*self.SYMPTOMS, "recent_illness")
        ]

    def summary(self) -> str:
        """The symptoms reported, briefly: "unsteady walking or balance (a lot), sleep problems (a little)"."""
        present = [
            f"{question.lower()} ({answer.lower()})"
            for question, answer in self.answers()[: len(self.SYMPTOMS)]
            if answer != self.Amount.NO.label
        ]
        if self.recent_illness == self.YesNo.YES:
            present.append("recent illness or fever")
        return ", ".join(present) or "no listed symptoms"
