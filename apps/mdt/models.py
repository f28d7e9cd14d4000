"""MDT meetings: a team's meeting, the children listed for it with a question, and each child's outcome.

A meeting belongs to a team (the OMS clinic MDT is the neurology team's, the neuro-oncology MDT
oncology's); "the next meeting" of a listed child is the team's next one. The outcome is recorded
once per listed child and later changes keep their history (django-simple-history).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.models import Team
from apps.pathways.models import Investigation, Relapse, SeverityScore
from apps.patients.models import Patient


class Meeting(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="mdt_meetings")
    title = models.CharField(max_length=120, help_text="For example 'OMS clinic MDT'.")
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["team", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%d %b %Y %H:%M})"


class Attendee(models.Model):
    """A member of staff recorded as present at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__full_name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="mdt_attendee_once")]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class Item(models.Model):
    """A child on a meeting's list, with the question for the meeting and the material to look at."""

    class Status(models.TextChoices):
        LISTED = "listed", "Listed"
        DISCUSSED = "discussed", "Discussed"
        CARRIED_OVER = "carried_over", "Carried over"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="mdt_items")
    question = models.TextField()
    position = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LISTED)
    scores = models.ManyToManyField(SeverityScore, blank=True, related_name="+")
    investigations = models.ManyToManyField(Investigation, blank=True, related_name="+")
    relapses = models.ManyToManyField(Relapse, blank=True, related_name="+")
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    carry_reason = models.TextField(
        blank=True, help_text="Why the child was carried over to the next meeting."
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["position"])

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "patient"], name="mdt_child_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} at {self.meeting}"


class Outcome(models.Model):
    """What the meeting decided for one listed child. Recorded once; amendments keep history."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="outcome")
    decision = models.TextField()
    agreed_by = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    tell_family = models.BooleanField(default=False, help_text="The named nurse tells the family.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    amended_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Outcome for {self.item}"


class Action(models.Model):
    """One action agreed at the meeting; it becomes a task for its owner."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.owner}, by {self.due_on:%d %b %Y})"


class OutcomeRelease(models.Model):
    """One version of an outcome told to the family: their wording, the decision as it stood, and the
    letter (to the GP and the family) generated from it.

    Prepared by a clinician (staff only), then released: the portal shows the latest released version.
    A released version is never changed; a correction is a new version, released again.
    """

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="releases")
    version = models.PositiveSmallIntegerField()
    family_wording = models.TextField(help_text="What the meeting decided, in words for the family.")
    decision = models.TextField(help_text="The decision as recorded when this version was prepared.")
    document = models.ForeignKey(
        "documents.FamilyDocument", on_delete=models.PROTECT, related_name="+", help_text="The letter."
    )
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "version"], name="mdt_release_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} v{self.version}"
