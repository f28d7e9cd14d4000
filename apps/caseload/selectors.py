"""The nurse specialist's caseload: one row per child, most in need of attention first.

Needs-attention score (higher sorts first; each part is shown on the row, so the order explains itself):
  +40  a relapse that has not resolved
  +40  symptoms reported by the family (portal) and not yet reviewed: a possible relapse
  +15  per overdue task on the child (at most 3 counted)
  +10  per investigation result waiting for acknowledgement (at most 3 counted)
  +20  an urgent or emergency referral still waiting for triage
  +10  an active child with no recorded contact in 60 days
  +10  a re-evaluation past its due date and not yet seen
  +15  a family message waiting for a reply (+25 instead once past the response target)
Later capabilities (family messages, symptom reports) add their parts here.

Everything is computed in the database: one annotated query for the rows and two prefetches
(tracks, current courses), so the page costs the same for 5 children or 300.
"""

import datetime
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.types import AnyUser
from apps.messaging.models import Message, ReadState, Thread
from apps.pathways.models import (
    CourseEvent,
    Investigation,
    Relapse,
    SeverityScore,
    SpecialtyTrack,
    SymptomReport,
    TrackEvent,
    TreatmentCourse,
)
from apps.pathways.services.courses import OPEN_STATUSES as OPEN_COURSES
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import search_patients
from apps.referrals.models import Referral
from apps.scheduling.models import Appointment, ReviewDue
from apps.tasks.models import Task

_EPOCH = datetime.date(1970, 1, 1)
STALE_CONTACT_DAYS = 60


def _count(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def _latest(queryset: QuerySet, field: str) -> Coalesce:
    """The latest date in ``field`` per child, or the epoch (SQLite's GREATEST is NULL if any argument is)."""
    sub = Subquery(
        queryset.order_by().values("patient").annotate(m=Max(field)).values("m")[:1], output_field=DateField()
    )
    return Coalesce(sub, Value(_EPOCH), output_field=DateField())


def _points(condition: Q, points: int) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def caseload_rows(
    *, user: AnyUser, query: str = "", status: str = "", attention_only: bool = False
) -> QuerySet[Patient]:
    today = timezone.localdate()
    reader_pk = user.pk if isinstance(user, User) else 0
    patient = OuterRef("pk")
    rows = (
        access.caseload_patients(user)
        .select_related("named_nurse")
        .annotate(
            overdue_tasks=Coalesce(
                _count(
                    Task.objects.filter(patient=patient, status__in=("open", "in_progress"), due_on__lt=today)
                ),
                0,
            ),
            unacknowledged_results=Coalesce(
                _count(
                    Investigation.objects.filter(
                        patient=patient, status="resulted", acknowledged_at__isnull=True
                    )
                ),
                0,
            ),
            open_relapse=Exists(Relapse.objects.filter(patient=patient, resolved_on__isnull=True)),
            # Family messages this user has not read yet, and whether the family is waiting (or overdue).
            unread_family_messages=Coalesce(
                Subquery(
                    Message.objects.filter(
                        thread__patient=patient, thread__kind=Thread.Kind.FAMILY, from_family=True
                    )
                    .exclude(
                        Exists(
                            ReadState.objects.filter(
                                thread=OuterRef("thread"),
                                user_id=reader_pk,
                                last_read_at__gte=OuterRef("created_at"),
                            )
                        )
                    )
                    .order_by()
                    .values("thread__patient")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            family_waiting=Exists(
                Thread.objects.filter(
                    patient=patient, kind=Thread.Kind.FAMILY, awaiting_reply_since__isnull=False
                )
            ),
            family_reply_overdue=Exists(
                Thread.objects.filter(patient=patient, kind=Thread.Kind.FAMILY, escalated_at__isnull=False)
            ),
            open_symptom_report=Exists(
                SymptomReport.objects.filter(patient=patient, reviewed_at__isnull=True)
            ),
            urgent_referral=Exists(
                Referral.objects.filter(
                    patient=patient, status="submitted", urgency__in=("urgent", "emergency")
                )
            ),
            next_appointment_at=Subquery(
                Appointment.objects.filter(
                    patient=patient, status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=timezone.now()
                )
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
            next_appointment_kind=Subquery(
                Appointment.objects.filter(
                    patient=patient, status__in=Appointment.ACTIVE_STATUSES, starts_at__gte=timezone.now()
                )
                .order_by("starts_at")
                .values("kind")[:1]
            ),
            # A re-evaluation is open until its referral is seen (or closed).
            review_due_on=Subquery(
                ReviewDue.objects.filter(patient=patient, referral__status__in=Referral.NOT_YET_SEEN)
                .order_by("due_on")
                .values("due_on")[:1]
            ),
            # The last clinical contact on record, by the date it happened (not when it was typed in).
            last_contact=Greatest(
                _latest(
                    Appointment.objects.filter(patient=patient, status=Appointment.Status.ATTENDED).annotate(
                        day=TruncDate("starts_at")
                    ),
                    "day",
                ),
                _latest(SeverityScore.objects.filter(patient=patient), "assessed_on"),
                _latest(Relapse.objects.filter(patient=patient), "onset_date"),
                _latest(
                    CourseEvent.objects.filter(course__patient=patient).annotate(
                        patient=F("course__patient")
                    ),
                    "on_date",
                ),
                _latest(
                    TrackEvent.objects.filter(track__patient=patient).annotate(
                        patient=F("track__patient"), day=TruncDate("at")
                    ),
                    "day",
                ),
                _latest(
                    Task.objects.filter(patient=patient, status="done").annotate(
                        day=TruncDate("completed_at")
                    ),
                    "day",
                ),
            ),
        )
        .annotate(
            attention=(
                _points(Q(open_relapse=True), 40)
                + _points(Q(open_symptom_report=True), 40)
                + _points(Q(family_reply_overdue=True), 25)
                + _points(Q(family_waiting=True, family_reply_overdue=False), 15)
                + Least(F("overdue_tasks"), Value(3)) * Value(15)
                + Least(F("unacknowledged_results"), Value(3)) * Value(10)
                + _points(Q(urgent_referral=True), 20)
                + _points(Q(review_due_on__lt=timezone.localdate()), 10)
                + _points(
                    Q(
                        status=Patient.Status.ACTIVE,
                        last_contact__lt=timezone.localdate() - datetime.timedelta(days=STALE_CONTACT_DAYS),
                    ),
                    10,
                )
            )
        )
        .prefetch_related(
            Prefetch("tracks", queryset=SpecialtyTrack.objects.order_by("specialty")),
            Prefetch(
                "treatment_courses",
                queryset=TreatmentCourse.objects.filter(status__in=OPEN_COURSES).order_by("start_date"),
                to_attr="current_courses",
            ),
        )
    )
    if status in Patient.Status.values:
        rows = rows.filter(status=status)
    if attention_only:
        rows = rows.filter(attention__gt=0)  # type: ignore[misc]  # "attention" is an annotation
    return search_patients(rows, query).order_by("-attention", "family_name", "given_name")  # type: ignore[misc]


if TYPE_CHECKING:

    class CaseloadPatient(Patient):
        """A Patient row as caseload_rows annotates it (for type checking only)."""

        overdue_tasks: int
        unacknowledged_results: int
        open_relapse: bool
        open_symptom_report: bool
        urgent_referral: bool
        last_contact: datetime.date
        attention: int
        current_courses: list[TreatmentCourse]
        next_appointment_at: datetime.datetime | None
        next_appointment_kind: str | None
        review_due_on: datetime.date | None
        unread_family_messages: int
        family_waiting: bool
        family_reply_overdue: bool

        class Meta:
            abstract = True


def days_since(day: datetime.date | None) -> int | None:
    if day is None or day <= _EPOCH:
        return None
    return (timezone.localdate() - day).days
