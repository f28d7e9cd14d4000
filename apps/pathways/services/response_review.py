"""The 3-month response review of an immunotherapy course (HAZ-08).

The European trial steps treatment up after about 3 months when the benefit is not marked. So
``RESPONSE_REVIEW_MONTHS`` after a course starts is a milestone: it shows on the pathway page with the
change in the severity score since the start, and the prescriber gets a task
``RESPONSE_REVIEW_LEAD_DAYS`` before it falls due. The page stops showing it once that task is done,
or four weeks after the milestone.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from apps.accounts import roles
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open

from ..models import SeverityScore, TreatmentCourse
from ..safety_flags import SafetyFlag, safety_flag_source

Agent = TreatmentCourse.Agent
IMMUNOTHERAPY = (
    Agent.DEXAMETHASONE_PULSES,
    Agent.METHYLPREDNISOLONE,
    Agent.PREDNISOLONE,
    Agent.ACTH,
    Agent.IVIG,
    Agent.RITUXIMAB,
    Agent.CYCLOPHOSPHAMIDE,
)
SHOWN_AFTER_DUE = datetime.timedelta(days=28)
OUTCOME_WEEKS = 48  # the European trial judged the outcome 48 weeks after treatment started
BASELINE_AFTER_START = datetime.timedelta(days=14)


@dataclass(frozen=True)
class ScoreAt:
    day: datetime.date
    total: int


@dataclass(frozen=True)
class ResponseMilestone:
    course: TreatmentCourse
    due_on: datetime.date
    baseline: ScoreAt | None
    latest: ScoreAt | None

    @property
    def change(self) -> int | None:
        if self.baseline is None or self.latest is None:
            return None
        return self.latest.total - self.baseline.total

    def score_words(self) -> str:
        if self.baseline is None:
            return "no score recorded at the start"
        if self.latest is None or self.change is None:
            return f"score {self.baseline.total} at the start, none since"
        if self.change == 0:
            how = "no change"
        else:
            how = f"{abs(self.change)} {'lower (better)' if self.change < 0 else 'higher (worse)'}"
        return f"score {self.baseline.total} at the start, {self.latest.total} on {self.latest.day:%d %b %Y} ({how})"

    def text(self, today: datetime.date) -> str:
        when = "was due" if self.due_on < today else "due"
        return (
            f"3-month response review of the {self.course.label} course {when} {self.due_on:%d %b %Y}: "
            f"{self.score_words()}"
        )


def task_key(course: TreatmentCourse) -> str:
    return f"course:{course.pk}:response-review"


def milestone_day(course: TreatmentCourse) -> datetime.date:
    return course.start_date + relativedelta(months=settings.RESPONSE_REVIEW_MONTHS)


def _totals(patient_ids: Iterable[int]) -> dict[int, list[ScoreAt]]:
    """Each child's score totals, oldest first, in one query."""
    rows = (
        SeverityScore.objects.filter(patient_id__in=list(patient_ids))
        .annotate(total=Sum("values__value"))
        .order_by("assessed_on", "id")
        .values_list("patient_id", "assessed_on", "total")
    )
    totals: dict[int, list[ScoreAt]] = {}
    for patient_id, day, total in rows:
        totals.setdefault(patient_id, []).append(ScoreAt(day, total or 0))
    return totals


def milestone_for(course: TreatmentCourse, scores: list[ScoreAt]) -> ResponseMilestone:
    """The baseline is the last score on or before the start (else the first within two weeks after it)."""
    before = [s for s in scores if s.day <= course.start_date]
    after = [s for s in scores if course.start_date < s.day <= course.start_date + BASELINE_AFTER_START]
    baseline = before[-1] if before else (after[0] if after else None)
    later = [s for s in scores if baseline is not None and s.day > baseline.day]
    return ResponseMilestone(course, milestone_day(course), baseline, later[-1] if later else None)


def _courses(patient_ids: list[int] | None, today: datetime.date) -> list[TreatmentCourse]:
    """Open immunotherapy courses whose milestone is within the lead time, or passed less than 4 weeks ago."""
    lead = datetime.timedelta(days=settings.RESPONSE_REVIEW_LEAD_DAYS)
    earliest_start = today - SHOWN_AFTER_DUE - relativedelta(months=settings.RESPONSE_REVIEW_MONTHS)
    courses = TreatmentCourse.objects.filter(
        agent__in=IMMUNOTHERAPY,
        status__in=(TreatmentCourse.Status.ACTIVE, TreatmentCourse.Status.WEANING),
        start_date__gte=earliest_start,
    ).select_related("patient__named_nurse", "prescriber")
    if patient_ids is not None:
        courses = courses.filter(patient_id__in=patient_ids)
    return [c for c in courses if milestone_day(c) - lead <= today <= milestone_day(c) + SHOWN_AFTER_DUE]


def response_milestones(
    *, patient_ids: list[int] | None = None, today: datetime.date | None = None
) -> list[ResponseMilestone]:
    """Milestones to show now, except those whose review task is done. Three queries."""
    today = today or timezone.localdate()
    courses = _courses(patient_ids, today)
    if not courses:
        return []
    done = set(
        Task.objects.filter(
            source_key__in=[task_key(c) for c in courses], status=Task.Status.DONE
        ).values_list("source_key", flat=True)
    )
    totals = _totals({c.patient_id for c in courses})
    return [milestone_for(c, totals.get(c.patient_id, [])) for c in courses if task_key(c) not in done]


@safety_flag_source("response-review")
def response_review_flags(patient_ids: list[int]) -> dict[int, list[SafetyFlag]]:
    today = timezone.localdate()
    flags: dict[int, list[SafetyFlag]] = {}
    for m in response_milestones(patient_ids=patient_ids, today=today):
        level = "danger" if m.due_on < today else "warning"
        flags.setdefault(m.course.patient_id, []).append(SafetyFlag(m.text(today), level, "courses"))
    return flags


def response_reviews_open(*, today: datetime.date | None = None) -> int:
    """Daily job: the prescriber (else the named nurse or Nursing queue) gets one task per course."""
    today = today or timezone.localdate()
    opened = 0
    for m in response_milestones(today=today):
        course = m.course
        if Task.objects.filter(source_key=task_key(course)).exists():
            continue
        prescriber = course.prescriber if roles.staff_role(course.prescriber) else None
        nurse, queue = (prescriber, None) if prescriber else named_nurse_or_nursing_queue(course.patient)
        task_open(
            title=f"3-month response review: {course.label} course, due {m.due_on:%d %b %Y}",
            detail=f"{course.patient.full_name} started {course.label} on {course.start_date:%d %b %Y}; "
            f"{m.score_words()}. Decide whether the benefit is marked or treatment should step up.",
            source=Task.Source.RESPONSE_REVIEW,
            assignee=nurse,
            team=queue,
            patient=course.patient,
            due_on=m.due_on,
            priority=Task.Priority.HIGH,
            source_key=task_key(course),
            link_url=f"/patients/{course.patient_id}/pathway/#course-{course.pk}",
        )
        opened += 1
    return opened


def outcome_point(courses: Iterable[TreatmentCourse]) -> datetime.date | None:
    """48 weeks after the first immunotherapy course started (planned courses do not count)."""
    starts = [
        c.start_date
        for c in courses
        if c.agent in IMMUNOTHERAPY and c.status != TreatmentCourse.Status.PLANNED
    ]
    return min(starts) + datetime.timedelta(weeks=OUTCOME_WEEKS) if starts else None
