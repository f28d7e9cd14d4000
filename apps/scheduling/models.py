"""Appointments, treatment series, review policies (re-evaluations), reminders and calendar feeds."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.models import Team
from apps.pathways.models import TreatmentCourse
from apps.patients.models import Patient


class Appointment(models.Model):
    class Kind(models.TextChoices):
        NEUROLOGY_CLINIC = "neurology_clinic", "Neurology clinic"
        ONCOLOGY_CLINIC = "oncology_clinic", "Oncology clinic"
        SURGICAL_PREASSESSMENT = "surgical_preassessment", "Surgical pre-assessment"
        SURGERY = "surgery", "Surgery"
        INFUSION = "infusion", "Infusion day case (IVIG or pulse)"
        MRI = "mri", "MRI scan"
        MIBG = "mibg", "MIBG scan"
        LUMBAR_PUNCTURE = "lumbar_puncture", "Lumbar puncture"
        NEUROPSYCHOLOGY = "neuropsychology", "Neuropsychology assessment"
        PSYCHOLOGY = "psychology", "Psychology session"
        THERAPY_SLT = "therapy_slt", "Speech and language therapy"
        THERAPY_OT = "therapy_ot", "Occupational therapy"
        THERAPY_PHYSIO = "therapy_physio", "Physiotherapy"
        NURSE_PHONE = "nurse_phone", "Nurse review by phone"
        NURSE_VIDEO = "nurse_video", "Nurse review by video"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    class CancelledBy(models.TextChoices):
        HOSPITAL = "hospital", "The hospital"
        FAMILY = "family", "The family"

    ACTIVE_STATUSES = ("booked", "confirmed")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable calendar UID.")
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar SEQUENCE: goes up on each change.")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    location = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.BOOKED)
    family_visible = models.BooleanField(
        default=True, help_text="Shown to the family in the portal and feed."
    )
    preparation_notes = models.TextField(
        blank=True, help_text="For the family, e.g. 'nil by mouth from 7am'."
    )
    internal_notes = models.TextField(blank=True, help_text="Staff only. Never shown to the family.")
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    clash_override_reason = models.CharField(max_length=300, blank=True)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    series = models.ForeignKey(
        "TreatmentSeries", on_delete=models.CASCADE, null=True, blank=True, related_name="appointments"
    )
    series_index = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["team", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="appointment_cancel_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class AppointmentEvent(models.Model):
    """What happened to an appointment: booked, confirmed, moved, attended, did not attend, cancelled."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        RESCHEDULED = "rescheduled", "Rescheduled"
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"
        FAMILY_CANT_MAKE_IT = "family_cant_make_it", "Family cannot make it"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    previous_starts_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.appointment_id})"


class TreatmentSeries(models.Model):
    """A run of appointments at a fixed interval, e.g. 12 dexamethasone pulses every 4 weeks."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="treatment_series")
    course = models.ForeignKey(
        "pathways.TreatmentCourse", on_delete=models.SET_NULL, null=True, blank=True, related_name="series"
    )
    title = models.CharField(max_length=150)
    kind = models.CharField(
        max_length=30, choices=Appointment.Kind.choices, default=Appointment.Kind.INFUSION
    )
    interval_days = models.PositiveSmallIntegerField()
    count = models.PositiveSmallIntegerField()
    first_starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=240)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.CharField(max_length=200, blank=True)
    preparation_notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "treatment series"
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1, count__lte=52), name="series_count_sensible"),
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="series_interval_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewPolicy(models.Model):
    """When a child is next due a review, e.g. neuropsychology: baseline, then every N years."""

    name = models.CharField(max_length=150, unique=True)
    target_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    appointment_kind = models.CharField(
        max_length=30,
        choices=Appointment.Kind.choices,
        help_text="An attended one of these completes a review.",
    )
    baseline_within_months = models.PositiveSmallIntegerField(help_text="After the diagnosis date.")
    interval_months = models.PositiveSmallIntegerField(help_text="Clinic default between reviews.")
    lead_time_days = models.PositiveSmallIntegerField(
        default=84, help_text="Open the referral this long before due."
    )
    school_retest_years = models.JSONField(
        default=list,
        blank=True,
        help_text="School years (English, Reception = 0) that ask for a re-test by their first day, "
        "for example [6, 11]; empty for none.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "review policies"

    def __str__(self) -> str:
        return self.name


class ReviewOverride(models.Model):
    """A child's own review interval, with the reason."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="review_overrides")
    policy = models.ForeignKey(ReviewPolicy, on_delete=models.CASCADE, related_name="overrides")
    interval_months = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=300)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "policy"], name="one_override_per_policy")]

    def __str__(self) -> str:
        return f"{self.policy} every {self.interval_months} months for patient {self.patient_id}"


class ReviewDueQuerySet(models.QuerySet["ReviewDue"]):
    def still_due(self) -> "ReviewDueQuerySet":
        """Reviews with no assessment recorded as completed: whatever became of their referral."""
        return self.filter(completed_on__isnull=True)


class ReviewDue(models.Model):
    """A review that fell due and was opened (referral and task). Unique per child, policy and due date.

    It stays due until an assessment is recorded as completed (the date and who did it). Cancelling,
    declining or closing its referral does not complete it: the daily job opens another referral.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reviews_due")
    policy = models.ForeignKey(ReviewPolicy, on_delete=models.CASCADE, related_name="due")
    due_on = models.DateField()
    referral = models.ForeignKey("referrals.Referral", on_delete=models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    reopened_count = models.PositiveSmallIntegerField(
        default=0,
        help_text="Times a new referral was opened because the last one ended without an assessment.",
    )
    completed_on = models.DateField(null=True, blank=True, help_text="The day the assessment was done.")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did the assessment.",
    )
    completion_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_recorded_at = models.DateTimeField(null=True, blank=True)
    completion_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReviewDueQuerySet.as_manager()

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "policy", "due_on"], name="one_review_per_due_date"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True, completed_by__isnull=True)
                | Q(completed_on__isnull=False, completed_by__isnull=False),
                name="review_completed_with_date_and_by_whom",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "policy"], name="review_still_due", condition=Q(completed_on__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} due {self.due_on} for patient {self.patient_id}"

    @property
    def is_due(self) -> bool:
        return self.completed_on is None


class ReviewSchedule(models.Model):
    """A child's stored next re-evaluation date under a policy, so the daily job and the overdue report
    read an index instead of computing every child (issue 13).

    Kept in the same transaction by the services that change its inputs (services/review_schedule.py),
    and repaired by the daily job. ``due_on`` is the fresh computation of ``reviews.next_due`` (empty when
    the policy does not apply: the child is not active, is discharged from the policy's specialty, or has
    no diagnosis or review date); ``still_due_on`` is the earliest opened review not yet completed.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be opened"  # the daily job opens it within the lead time
        OPENED = "opened", "Opened"  # a review for this date (or an earlier one still due) is open
        NOT_APPLICABLE = "not_applicable", "Policy does not apply"  # kept only for a review still due

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="review_schedules")
    policy = models.ForeignKey(ReviewPolicy, on_delete=models.CASCADE, related_name="schedules")
    due_on = models.DateField(null=True, blank=True)
    still_due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "policy"], name="one_review_schedule_per_policy"),
            models.CheckConstraint(
                condition=Q(status="not_applicable", due_on__isnull=True)
                | (~Q(status="not_applicable") & Q(due_on__isnull=False)),
                name="review_schedule_due_unless_not_applicable",
            ),
        ]
        indexes = [
            # The daily job: rows waiting to be opened, by policy and date.
            models.Index(
                fields=["policy", "due_on"], name="review_schedule_waiting", condition=Q(status="waiting")
            ),
            # The overdue report: past a due date, or holding a review still due.
            models.Index(fields=["due_on"], name="review_schedule_due", condition=Q(due_on__isnull=False)),
            models.Index(
                fields=["still_due_on"],
                name="review_schedule_still_due",
                condition=Q(still_due_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} next due {self.due_on} for patient {self.patient_id}"


class Reminder(models.Model):
    """A message to a guardian about an appointment, sent once (unique key) through the outbox."""

    class Kind(models.TextChoices):
        WEEK_BEFORE = "week_before", "7 days before"
        DAY_BEFORE = "day_before", "1 day before"
        MOVED = "moved", "Appointment moved"
        CANCELLED = "cancelled", "Appointment cancelled"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    sequence = models.PositiveIntegerField(help_text="The appointment's SEQUENCE it was about.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "guardian", "kind", "sequence"], name="reminder_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for appointment {self.appointment_id}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret iCalendar URL for a guardian (their children) or a clinician (their appointments)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed for {self.owner}"


class FollowUpInterval(models.Model):
    """How long an active or weaning course may go without a review appointment booked (HAZ-08).

    One row per agent; the row with no agent is the default for every other agent. Clinic policy,
    kept as data: the demo seeds a default of 6 weeks, marked as a demo value.
    """

    agent = models.CharField(
        max_length=30,
        choices=TreatmentCourse.Agent.choices,
        blank=True,
        unique=True,
        help_text="Leave blank for the default used by every agent without its own row.",
    )
    weeks = models.PositiveSmallIntegerField(default=6)
    is_demo = models.BooleanField(default=False, help_text="A demo value, not the clinic's policy.")

    class Meta:
        ordering = ["agent"]
        constraints = [models.CheckConstraint(condition=Q(weeks__gte=1), name="follow_up_weeks_positive")]

    def __str__(self) -> str:
        what = self.get_agent_display() if self.agent else "Any treatment"
        return f"{what}: a review within {self.weeks} weeks{' (demo value)' if self.is_demo else ''}"
