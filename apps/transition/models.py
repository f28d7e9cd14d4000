"""Transition to adult services (NICE NG43): a plan per young person, a readiness checklist and the
milestones whose tasks fall due, both kept as data (the seeded rows are a labelled demo configuration).

A plan opens from ``TRANSITION_PLAN_FROM_AGE`` (default 13). It names a worker, the adult team and
hospital, a target transfer date and a joint appointment; after the transfer the child's tracks are
discharged and follow-up milestones check that the adult team has seen them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient


class ReadinessItem(models.Model):
    """One thing a young person should be ready for, worded for staff and for the young person."""

    code = models.SlugField(max_length=40, unique=True)
    staff_text = models.CharField(max_length=200)
    young_person_text = models.CharField(max_length=200, help_text="Written to the young person: 'I can…'")
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.staff_text


class Milestone(models.Model):
    """A point in the transition at which someone is given a task, and how its due date is found."""

    class Anchor(models.TextChoices):
        PLAN_OPENED = "plan_opened", "Days after the plan opens"
        BIRTHDAY = "birthday", "On a birthday"
        BEFORE_TRANSFER = "before_transfer", "Days before the target transfer date"
        AFTER_TRANSFER = "after_transfer", "Days after the transfer"

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(
        max_length=150, help_text="The task's title; {name} is the young person's first name."
    )
    detail = models.TextField(blank=True)
    anchor = models.CharField(max_length=20, choices=Anchor.choices)
    days = models.PositiveSmallIntegerField(default=0, help_text="Days after (or before) the anchor.")
    age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For a birthday: the age.")
    lead_days = models.PositiveSmallIntegerField(default=14, help_text="The task opens this long before.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["anchor", "days", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anchor="birthday") | models.Q(age__isnull=False),
                name="transition_milestone_birthday_has_age",
            )
        ]

    def __str__(self) -> str:
        return self.title


class TransitionPlan(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Preparing"
        TRANSFERRED = "transferred", "Transferred to adult services"

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="transition_plan")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField()
    named_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adult_team = models.CharField(max_length=150, blank=True)
    adult_hospital = models.CharField(max_length=150, blank=True)
    target_transfer_on = models.DateField(null=True, blank=True)
    joint_appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    transferred_on = models.DateField(null=True, blank=True)
    transfer_note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["status", "target_transfer_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="transferred") | models.Q(transferred_on__isnull=False),
                name="transition_transferred_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Transition plan for {self.patient.full_name}"


class ReadinessCheck(models.Model):
    """Where the young person stands on one readiness item, as last recorded."""

    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(ReadinessItem, on_delete=models.PROTECT, related_name="+")
    ready = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "item"], name="transition_check_once")]

    def __str__(self) -> str:
        return f"{self.item}: {'ready' if self.ready else 'not yet'}"
