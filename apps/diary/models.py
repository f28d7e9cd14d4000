"""The family's symptom diary: one short entry per child per day, filled in on a phone.

A guardian records sleep, mood and rage episodes, the three movement signs of OMS (unsteadiness,
jerks, eye movements; each none, mild or marked), illness or fever, and an immunisation. The entry
can be changed on the same day (Europe/London) only; after midnight it is what the family saw.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient


class Level(models.IntegerChoices):
    NONE = 0, "None"
    MILD = 1, "Mild"
    MARKED = 2, "Marked"


class NightWaking(models.TextChoices):
    NONE = "none", "Slept through"
    ONCE = "once", "Woke once"
    SEVERAL = "several", "Woke more than once"


class Mood(models.TextChoices):
    GOOD = "good", "Mostly happy"
    MIXED = "mixed", "Up and down"
    DIFFICULT = "difficult", "Very upset or cross"


class Illness(models.TextChoices):
    NONE = "none", "No"
    UNWELL = "unwell", "Unwell, no fever"
    FEVER = "fever", "Fever (high temperature)"


# The three movement signs, in the order the diary asks and the strip draws them.
SYMPTOMS = ("unsteadiness", "jerks", "eye_movements")
SYMPTOM_LABELS = {"unsteadiness": "Unsteadiness", "jerks": "Jerks", "eye_movements": "Eye movements"}


class DiaryEntry(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="diary_entries")
    day = models.DateField(help_text="The London date the entry is about (the day it was filled in).")
    sleep_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Hours of sleep last night (7 means 7 or less, 13 means 13 or more)."
    )
    night_waking = models.CharField(max_length=10, choices=NightWaking.choices)
    mood = models.CharField(max_length=10, choices=Mood.choices)
    rage_episodes = models.PositiveSmallIntegerField(help_text="Rages today (3 means 3 or more).")
    unsteadiness = models.PositiveSmallIntegerField(choices=Level.choices)
    jerks = models.PositiveSmallIntegerField(choices=Level.choices)
    eye_movements = models.PositiveSmallIntegerField(choices=Level.choices)
    illness = models.CharField(max_length=10, choices=Illness.choices)
    immunisation = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="diary_one_entry_per_child_per_day"),
            models.CheckConstraint(
                condition=models.Q(unsteadiness__lte=2, jerks__lte=2, eye_movements__lte=2),
                name="diary_levels_in_range",
            ),
            models.CheckConstraint(condition=models.Q(rage_episodes__lte=3), name="diary_rages_in_range"),
            models.CheckConstraint(
                condition=models.Q(sleep_hours__isnull=True) | models.Q(sleep_hours__lte=24),
                name="diary_sleep_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Diary for child {self.patient_id} on {self.day}"

    @property
    def level(self) -> int:
        """The worst of the three movement signs: 0 none, 1 mild, 2 marked (the chart's band)."""
        return max(self.unsteadiness, self.jerks, self.eye_movements)

    @property
    def unwell(self) -> bool:
        return self.illness != Illness.NONE

    def levels(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in SYMPTOMS}

    def summary(self) -> str:
        """One line in staff words: '30 Nov: unsteadiness mild, jerks none, eyes marked; fever'."""
        parts = [f"{SYMPTOM_LABELS[n].lower()} {Level(v).label.lower()}" for n, v in self.levels().items()]
        extra = []
        if self.unwell:
            extra.append(Illness(self.illness).label.lower())
        if self.immunisation:
            extra.append("immunisation")
        if self.rage_episodes:
            extra.append(f"{self.rage_episodes}{'+' if self.rage_episodes >= 3 else ''} rage episode(s)")
        text = ", ".join(parts)
        return f"{text}; {', '.join(extra)}" if extra else text
