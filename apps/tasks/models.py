"""Work items for staff: assigned to a person, or to a team queue that a member claims.

Other apps create tasks only through tasks.services. ``source_key`` makes generated tasks
idempotent: a beat job that runs twice finds the key taken and creates nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Team


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        REFERRAL_TRIAGE = "referral_triage", "Referral triage"
        REFERRAL_BOOKING = "referral_booking", "Referral booking"
        SLA_BREACH = "sla_breach", "Service-level breach"
        INVESTIGATION_RESULT = "investigation_result", "Investigation result"
        RE_EVALUATION = "re_evaluation", "Re-evaluation"
        MESSAGE_ESCALATION = "message_escalation", "Message escalation"
        SYMPTOM_REPORT = "symptom_report", "Symptom report"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        EMAIL_FAILED = "email_failed", "Email not sent"
        MDT_OUTCOME = "mdt_outcome", "MDT outcome"
        PROXY_ACCESS_REVIEW = "proxy_access_review", "Family access review"
        COURSE_FOLLOW_UP = "course_follow_up", "Treatment follow-up"
        RESPONSE_REVIEW = "response_review", "Response review"
        TUMOUR_SURVEILLANCE = "tumour_surveillance", "Tumour surveillance"
        REFERRAL_DECLINED = "referral_declined", "Referral declined"
        TRANSITION = "transition", "Transition to adult services"
        FAMILY_CANT_MAKE_IT = "family_cant_make_it", "Family can't make it"
        EMERGENCY_PLAN = "emergency_plan", "Emergency plan review"
        DIARY_WORSE = "diary_worse", "Worse in the family diary"
        QUESTIONNAIRE = "questionnaire", "Family questionnaire"
        FAMILY_VIDEO = "family_video", "Family video"

    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks")
    due_on = models.DateField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=25, choices=Source.choices, default=Source.MANUAL)
    source_key = models.CharField(
        max_length=120, null=True, blank=True, help_text="Idempotency key of a generated task."
    )
    link_url = models.CharField(max_length=300, blank=True, help_text="Where the task came from.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "-priority", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=False) | Q(team__isnull=False), name="task_has_an_owner"
            ),
            models.UniqueConstraint(
                fields=["source_key"], condition=Q(source_key__isnull=False), name="task_source_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"]),
            models.Index(fields=["team", "status", "due_on"]),
            models.Index(fields=["patient", "status"]),
            # Worklists and their counts read open tasks only (a few percent of all tasks ever made).
            models.Index(
                fields=["assignee", "due_on"],
                condition=Q(status__in=["open", "in_progress"]),
                name="task_open_by_assignee",
            ),
            models.Index(
                fields=["team", "due_on"],
                condition=Q(status__in=["open", "in_progress"]),
                name="task_open_by_team",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on is not None and self.due_on < timezone.localdate()


class TaskComment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on task {self.task_id}"


class TaskEvent(models.Model):
    """One change of a task's status: who, when, from, to and why (written by the one Transitions helper)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=Task.Status.choices)
    to_status = models.CharField(max_length=12, choices=Task.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_status} -> {self.to_status}"
