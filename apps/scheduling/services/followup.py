"""Follow-up guard (HAZ-08): an active or weaning course needs a review appointment booked within its
follow-up interval (per agent, as data: ``FollowUpInterval``; ``COURSE_FOLLOW_UP_WEEKS`` when there
is no row). Without one, the caseload and the pathway page say so, and the named nurse (or the
Nursing queue) gets a task, once per gap.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.pathways.models import TreatmentCourse
from apps.pathways.safety_flags import SafetyFlag, safety_flag_source
from apps.patients.models import Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open, tasks_complete_for_sources

from ..models import Appointment, FollowUpInterval

# Appointments at which a course is reviewed (infusions and scans are not reviews).
REVIEW_KINDS = (
    Appointment.Kind.NEUROLOGY_CLINIC,
    Appointment.Kind.ONCOLOGY_CLINIC,
    Appointment.Kind.NURSE_PHONE,
    Appointment.Kind.NURSE_VIDEO,
)
FOLLOWED_UP = (TreatmentCourse.Status.ACTIVE, TreatmentCourse.Status.WEANING)


@dataclass(frozen=True)
class FollowUpGap:
    course: TreatmentCourse
    weeks: int
    last_review: datetime.date | None  # the last attended review, which starts this gap

    @property
    def source_key(self) -> str:
        since = self.last_review.isoformat() if self.last_review else "start"
        return f"course:{self.course.pk}:follow-up:{since}"

    @property
    def text(self) -> str:
        return f"No review booked within {self.weeks} weeks for the {self.course.label} course"


def interval_weeks() -> dict[str, int]:
    """Weeks by agent; the key "" is the default (a row with no agent, else the setting)."""
    weeks = dict(FollowUpInterval.objects.values_list("agent", "weeks"))
    weeks.setdefault("", settings.COURSE_FOLLOW_UP_WEEKS)
    return weeks


def follow_up_gaps(
    *, patient_ids: list[int] | None = None, now: datetime.datetime | None = None
) -> list[FollowUpGap]:
    """Active or weaning courses with no booked or confirmed review from now until their interval ends.

    Four queries however many children: courses, intervals, coming reviews and last attended reviews.
    """
    now = now or timezone.now()
    open_courses = TreatmentCourse.objects.filter(
        status__in=FOLLOWED_UP, start_date__lte=timezone.localdate(now)
    )
    if patient_ids is not None:
        open_courses = open_courses.filter(patient_id__in=patient_ids)
    courses = list(open_courses.select_related("patient__named_nurse").order_by("patient_id", "start_date"))
    if not courses:
        return []
    weeks = interval_weeks()
    children = {c.patient_id for c in courses}
    longest = max(weeks.values())
    coming: dict[int, list[datetime.datetime]] = {}
    for patient_id, starts_at in Appointment.objects.filter(
        patient_id__in=children,
        kind__in=REVIEW_KINDS,
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__gte=now,
        starts_at__lte=now + datetime.timedelta(weeks=longest),
    ).values_list("patient_id", "starts_at"):
        coming.setdefault(patient_id, []).append(starts_at)
    last = dict(
        Appointment.objects.filter(
            patient_id__in=children,
            kind__in=REVIEW_KINDS,
            status=Appointment.Status.ATTENDED,
            starts_at__lt=now,
        )
        .values("patient_id")
        .annotate(m=Max("starts_at"))
        .values_list("patient_id", "m")
    )
    gaps = []
    for course in courses:
        interval = weeks.get(course.agent, weeks[""])
        horizon = now + datetime.timedelta(weeks=interval)
        if any(starts_at <= horizon for starts_at in coming.get(course.patient_id, [])):
            continue
        attended = last.get(course.patient_id)
        gaps.append(FollowUpGap(course, interval, timezone.localdate(attended) if attended else None))
    return gaps


@safety_flag_source("course-follow-up")
def follow_up_flags(patient_ids: list[int]) -> dict[int, list[SafetyFlag]]:
    flags: dict[int, list[SafetyFlag]] = {}
    for gap in follow_up_gaps(patient_ids=patient_ids):
        flags.setdefault(gap.course.patient_id, []).append(SafetyFlag(gap.text, "warning", "courses"))
    return flags


def courses_check_follow_up(*, now: datetime.datetime | None = None) -> int:
    """Daily job: a task for each gap (once, by its key), and close tasks whose course is followed up now."""
    now = now or timezone.now()
    gaps = follow_up_gaps(now=now)
    opened = 0
    for gap in gaps:
        if Task.objects.filter(source_key=gap.source_key).exists():
            continue
        patient: Patient = gap.course.patient
        nurse, queue = named_nurse_or_nursing_queue(patient)
        with transaction.atomic():
            task_open(
                title=f"Book a review: {gap.course.label} course has none within {gap.weeks} weeks",
                detail=f"{patient.full_name}'s {gap.course.label} course is {gap.course.get_status_display().lower()} "
                f"and no review appointment (clinic, or nurse phone or video review) is booked in the next "
                f"{gap.weeks} weeks.",
                source=Task.Source.COURSE_FOLLOW_UP,
                assignee=nurse,
                team=queue,
                patient=patient,
                due_on=timezone.localdate(now) + datetime.timedelta(days=3),
                priority=Task.Priority.HIGH,
                source_key=gap.source_key,
                link_url=f"/patients/{patient.pk}/appointments/",
            )
        opened += 1
    still_open = {gap.source_key for gap in gaps}
    resolved = Task.objects.filter(
        source=Task.Source.COURSE_FOLLOW_UP, status__in=(Task.Status.OPEN, Task.Status.IN_PROGRESS)
    ).exclude(source_key__in=still_open)
    with transaction.atomic():
        tasks_complete_for_sources(
            source_keys=[k for k in resolved.values_list("source_key", flat=True) if k]
        )
    return opened
