"""Watch periods around relapse triggers (weaning, illness or fever, an immunisation).

A watch opens by itself when a trigger happens and runs for the trigger's number of days (data:
``TriggerKind``, seeded as demo values). A child has at most one open watch: a new trigger extends
it (an event) instead of stacking a second. Staff (a nurse specialist or consultant on the care team)
may open one by hand, extend it or end it early, always with a reason; every change is a
``WatchEvent``. While a watch runs, the caseload shows it, the family is asked for the diary daily
(``WatchPolicy``) and a worse diary entry gives the named nurse an urgent task.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.patients.models import Patient

DEMO = "Demo value: the clinic sets its own."


class TriggerKind(models.Model):
    """A kind of relapse trigger and how long the watch after it lasts."""

    code = models.SlugField(max_length=30, unique=True)
    label = models.CharField(max_length=100, help_text="Staff words: 'Course weaning'.")
    reason = models.CharField(
        max_length=150,
        help_text="The watch's reason; {detail} is filled in (the course's agent, the diary day).",
    )
    days = models.PositiveSmallIntegerField(help_text="How many days the watch runs from the trigger.")
    note = models.CharField(max_length=200, blank=True, default=DEMO)

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(days__gte=1), name="watch_trigger_days")]

    def __str__(self) -> str:
        return f"{self.label} ({self.days} days)"


class WatchPolicy(models.Model):
    """How the watch acts: diary prompts and what counts as a worse diary entry (one row, 'default')."""

    code = models.SlugField(max_length=30, unique=True, default="default")
    prompt_every_days_in_watch = models.PositiveSmallIntegerField(
        default=1, help_text="During a watch, ask the family for the diary every this many days."
    )
    prompt_every_days_otherwise = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Outside a watch: every this many days; blank for never."
    )
    marked_level = models.PositiveSmallIntegerField(
        default=2, help_text="A movement sign at this level or above is worse (2: marked)."
    )
    rise_by = models.PositiveSmallIntegerField(
        default=1, help_text="A sign this many levels above the child's previous entry is worse."
    )
    note = models.CharField(max_length=200, blank=True, default=DEMO)

    class Meta:
        verbose_name_plural = "watch policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prompt_every_days_in_watch__gte=1)
                & (
                    models.Q(prompt_every_days_otherwise__isnull=True)
                    | models.Q(prompt_every_days_otherwise__gte=1)
                )
                & models.Q(marked_level__gte=1, marked_level__lte=2, rise_by__gte=1),
                name="watch_policy_sane",
            )
        ]

    def __str__(self) -> str:
        return f"Watch policy {self.code}"


class WatchPeriod(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ENDED = "ended", "Ended"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="watch_periods")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    trigger = models.ForeignKey(TriggerKind, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200, help_text="Why it opened, in plain words.")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day of the watch.")
    ended_on = models.DateField(null=True, blank=True, help_text="When it was ended or ran out.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["status", "ends_on"])]
        constraints = [
            # One open watch per child: a new trigger extends it.
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(status="open"), name="watch_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="watch_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(ended_on__isnull=False),
                name="watch_ended_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Watch for child {self.patient_id}: {self.reason} ({self.starts_on} to {self.ends_on})"


class WatchEvent(models.Model):
    """One change to a watch: opened, extended (by a trigger or by staff), ended early, or ran out."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        EXTENDED = "extended", "Extended"
        ENDED = "ended", "Ended early"
        RAN_OUT = "ran_out", "Ran its course"

    watch = models.ForeignKey(WatchPeriod, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.ForeignKey(
        TriggerKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    from_ends_on = models.DateField(null=True, blank=True)
    to_ends_on = models.DateField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class DiaryPrompt(models.Model):
    """A diary prompt sent to a guardian about a child on a day: once (the unique key is the claim)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    in_watch = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "guardian", "day"], name="diary_prompt_once_a_day")
        ]
        indexes = [models.Index(fields=["guardian", "patient", "-day"])]

    def __str__(self) -> str:
        return f"Diary prompt for child {self.patient_id} on {self.day}"
