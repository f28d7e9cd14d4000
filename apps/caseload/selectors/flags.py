"""One helper per caseload flag (the SQL that raises it) and its words (how the row explains it).

A helper returns a ``FlagSql``: how many items the flag counts on a row (annotated under the
flag's key; 0 means not raised), the annotations its words read, and the overdue tasks that are
part of it (folded in, so one cause gives one flag). ``FLAGS`` pairs each helper with its words;
the key is the one in ``attention.WEIGHTS``, which gives its tier and points. To add a flag: a
helper, its words, a line in ``FLAGS`` and a weight.
"""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from apps.accounts.services import SYSTEM_EMAIL
from apps.messaging.models import Thread
from apps.pathways.models import CourseEvent, Investigation, Relapse, SeverityScore, SymptomReport, TrackEvent
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.scheduling.models import Appointment, ReviewDue
from apps.tasks.models import Task
from apps.watch.models import WatchPeriod
from apps.watch.selectors import active_on

from .attention import STALE_CONTACT_DAYS
from .words import Clock, ago, day, plural, since

EPOCH = datetime.date(1970, 1, 1)  # "no contact on record" (SQLite's GREATEST is NULL if any argument is)
OPEN_TASK = (Task.Status.OPEN, Task.Status.IN_PROGRESS)
URGENT = (Referral.Urgency.URGENT, Referral.Urgency.EMERGENCY)
REFERRAL_TASKS = (Task.Source.REFERRAL_TRIAGE, Task.Source.REFERRAL_BOOKING, Task.Source.SLA_BREACH)
PATIENT, TASK_PATIENT = OuterRef("pk"), OuterRef("patient")  # the row's child; a Task row's child

Values = Mapping[str, Any]  # one row's annotations, by name


@dataclass(frozen=True)
class FlagSql:
    annotations: dict[str, Combinable]
    items: Combinable  # on the annotated row: how many items (0: not raised)
    tasks: Q | None = None  # on Task rows: the overdue tasks this flag speaks for while raised


@dataclass(frozen=True)
class Flag:
    sql: Callable[..., FlagSql]  # (clock) -> FlagSql; overdue tasks also take the others' folds
    words: Callable[[Values, Clock], str]
    link: tuple[str, str] | None = None  # (URL name taking the child's pk, #fragment)


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _first(queryset: QuerySet, field_name: str, order: str | None = None) -> Subquery:
    """``field_name`` of the first row by ``order`` (default: the field itself), or NULL."""
    return Subquery(queryset.order_by(order or field_name).values(field_name)[:1])


def _raised(annotation: str) -> Case:
    return Case(When(**{f"{annotation}__isnull": False}, then=Value(1)), default=Value(0))


# Clinical urgency --------------------------------------------------------------------------------


def _unreviewed_reports(patient: OuterRef) -> QuerySet[SymptomReport]:
    return SymptomReport.objects.filter(patient=patient, reviewed_at__isnull=True)


def open_symptom_report(clock: Clock) -> FlagSql:
    return FlagSql(
        annotations={"symptoms_reported_at": _first(_unreviewed_reports(PATIENT), "submitted_at")},
        items=_raised("symptoms_reported_at"),
        tasks=Q(Exists(_unreviewed_reports(TASK_PATIENT)), source=Task.Source.SYMPTOM_REPORT),
    )


def open_symptom_report_words(v: Values, clock: Clock) -> str:
    return f"Symptoms reported by the family {ago(v['symptoms_reported_at'], clock)}"


def open_relapse(clock: Clock) -> FlagSql:
    unresolved = Relapse.objects.filter(patient=PATIENT, resolved_on__isnull=True)
    return FlagSql(
        annotations={"relapse_since": _first(unresolved, "onset_date")}, items=_raised("relapse_since")
    )


def open_relapse_words(v: Values, clock: Clock) -> str:
    return f"Relapse not resolved, since {day(v['relapse_since'], clock.today)}"


def _family_threads(patient: OuterRef, *, escalated: bool) -> QuerySet[Thread]:
    """Family threads waiting for a reply, past the response target (escalated) or not."""
    return Thread.objects.filter(
        patient=patient,
        kind=Thread.Kind.FAMILY,
        awaiting_reply_since__isnull=False,
        escalated_at__isnull=not escalated,
    )


def family_reply_overdue(clock: Clock) -> FlagSql:
    return FlagSql(
        annotations={
            "family_overdue_since": _first(_family_threads(PATIENT, escalated=True), "awaiting_reply_since")
        },
        items=_raised("family_overdue_since"),
        tasks=Q(Exists(_family_threads(TASK_PATIENT, escalated=True)), source=Task.Source.MESSAGE_ESCALATION),
    )


def _family_words(waiting_since: datetime.datetime, clock: Clock, *, overdue: bool) -> str:
    text = f"Family waiting for a reply {since(waiting_since, clock)}"
    return text + ", past the response target" if overdue else text


def family_reply_overdue_words(v: Values, clock: Clock) -> str:
    return _family_words(v["family_overdue_since"], clock, overdue=True)


def _made_urgent_by_a_person() -> QuerySet[Referral]:
    """Awaiting triage, urgent or emergency, and not opened by the automatic account (whose
    re-evaluation referrals are routine now, but may be urgent from before)."""
    awaiting = Referral.objects.filter(status=Referral.Status.SUBMITTED, urgency__in=URGENT)
    return awaiting.exclude(source_user__email=SYSTEM_EMAIL)


def urgent_referral(clock: Clock) -> FlagSql:
    urgent = _made_urgent_by_a_person().filter(patient=PATIENT)
    return FlagSql(
        annotations={
            "urgent_referral_since": _first(urgent, "submitted_at"),
            "urgent_referral_team": _first(urgent, "target_team__name", order="submitted_at"),
            "urgent_referral_urgency": _first(urgent, "urgency", order="submitted_at"),
        },
        items=_raised("urgent_referral_since"),
        # Its triage (and breach) tasks, and the re-evaluation task when it is a review's referral.
        tasks=Q(
            Exists(_made_urgent_by_a_person().filter(patient=TASK_PATIENT, target_team=OuterRef("team"))),
            source__in=REFERRAL_TASKS,
        )
        | Q(
            Exists(ReviewDue.objects.filter(patient=TASK_PATIENT, referral__in=_made_urgent_by_a_person())),
            source=Task.Source.RE_EVALUATION,
        ),
    )


def urgent_referral_words(v: Values, clock: Clock) -> str:
    urgency = Referral.Urgency(v["urgent_referral_urgency"]).label
    return f"{urgency} referral to {v['urgent_referral_team']} awaiting triage {since(v['urgent_referral_since'], clock)}"


def _results_to_acknowledge(patient: OuterRef, *, abnormal: bool) -> QuerySet[Investigation]:
    results = Investigation.objects.filter(
        patient=patient, status=Investigation.Status.RESULTED, acknowledged_at__isnull=True
    )
    # A result not marked normal counts as abnormal: the safe side.
    return results.exclude(abnormal=False) if abnormal else results.filter(abnormal=False)


def _results(*, abnormal: bool) -> FlagSql:
    return FlagSql(
        annotations={},
        items=_count(_results_to_acknowledge(PATIENT, abnormal=abnormal)),
        tasks=Q(
            Exists(_results_to_acknowledge(TASK_PATIENT, abnormal=abnormal)),
            source=Task.Source.INVESTIGATION_RESULT,
        ),
    )


def abnormal_results(clock: Clock) -> FlagSql:
    return _results(abnormal=True)


def abnormal_results_words(v: Values, clock: Clock) -> str:
    return f"{plural(v['abnormal_results'], 'abnormal result')} to acknowledge"


def watch(clock: Clock) -> FlagSql:
    """A watch period around a relapse trigger covers today (weaning, illness or fever, a jab)."""
    active = WatchPeriod.objects.filter(active_on(clock.today), patient=PATIENT)
    return FlagSql(
        annotations={
            "watch_reason": _first(active, "reason", order="starts_on"),
            "watch_ends_on": _first(active, "ends_on", order="starts_on"),
        },
        items=_raised("watch_ends_on"),
    )


def watch_words(v: Values, clock: Clock) -> str:
    return f"Watch until {day(v['watch_ends_on'], clock.today)}: {v['watch_reason']}"


# Administrative backlog --------------------------------------------------------------------------


def family_waiting(clock: Clock) -> FlagSql:
    """Within the response target, and no thread of this child past it (that is the clinical flag)."""
    return FlagSql(
        annotations={
            "family_waiting_since": _first(_family_threads(PATIENT, escalated=False), "awaiting_reply_since")
        },
        items=Case(
            When(~Exists(_family_threads(PATIENT, escalated=True)), then=_raised("family_waiting_since")),
            default=Value(0),
        ),
    )


def family_waiting_words(v: Values, clock: Clock) -> str:
    return _family_words(v["family_waiting_since"], clock, overdue=False)


def normal_results(clock: Clock) -> FlagSql:
    return _results(abnormal=False)


def normal_results_words(v: Values, clock: Clock) -> str:
    return f"{plural(v['normal_results'], 'normal result')} to acknowledge"


def _reviews(patient: OuterRef) -> QuerySet[ReviewDue]:
    """Re-evaluations still due: no assessment recorded, whatever became of the referral (HAZ-01); not
    those whose referral is urgent by a person (then the urgent referral shows)."""
    open_reviews = ReviewDue.objects.still_due().filter(patient=patient)
    return open_reviews.exclude(referral__in=_made_urgent_by_a_person())


def review_overdue(clock: Clock) -> FlagSql:
    reviews = _reviews(PATIENT)
    overdue = _reviews(TASK_PATIENT).filter(due_on__lt=clock.today)
    return FlagSql(
        annotations={
            "review_due_on": _first(reviews, "due_on"),
            "review_team": _first(reviews, "policy__target_team__name", order="due_on"),
        },
        items=Case(When(review_due_on__lt=clock.today, then=Value(1)), default=Value(0)),
        # Its own task, and the tasks of the referral it opened (a child has one open referral per team).
        tasks=Q(Exists(overdue), source=Task.Source.RE_EVALUATION)
        | Q(Exists(overdue.filter(policy__target_team=OuterRef("team"))), source__in=REFERRAL_TASKS),
    )


def review_overdue_words(v: Values, clock: Clock) -> str:
    return f"Re-evaluation overdue ({v['review_team']}, due {day(v['review_due_on'], clock.today)})"


def _latest(queryset: QuerySet, field_name: str) -> Coalesce:
    latest = queryset.order_by().values("patient").annotate(m=Max(field_name)).values("m")[:1]
    return Coalesce(Subquery(latest, output_field=DateField()), Value(EPOCH), output_field=DateField())


def _last_contact() -> Greatest:
    """The last clinical contact on record, by the date it happened (not when it was typed in)."""
    attended = Appointment.objects.filter(patient=PATIENT, status=Appointment.Status.ATTENDED)
    course_events = CourseEvent.objects.filter(course__patient=PATIENT).annotate(patient=F("course__patient"))
    track_events = TrackEvent.objects.filter(track__patient=PATIENT).annotate(patient=F("track__patient"))
    done = Task.objects.filter(patient=PATIENT, status=Task.Status.DONE)
    return Greatest(
        _latest(attended.annotate(day=TruncDate("starts_at")), "day"),
        _latest(SeverityScore.objects.filter(patient=PATIENT), "assessed_on"),
        _latest(Relapse.objects.filter(patient=PATIENT), "onset_date"),
        _latest(course_events, "on_date"),
        _latest(track_events.annotate(day=TruncDate("at")), "day"),
        _latest(done.annotate(day=TruncDate("completed_at")), "day"),
    )


def days_since(value: datetime.date | None, today: datetime.date | None = None) -> int | None:
    """Days since a contact date, or None when there is no contact on record."""
    if value is None or value <= EPOCH:
        return None
    return ((today or timezone.localdate()) - value).days


def stale_contact(clock: Clock) -> FlagSql:
    cutoff = clock.today - datetime.timedelta(days=STALE_CONTACT_DAYS)
    return FlagSql(
        annotations={"last_contact": _last_contact()},
        items=Case(
            When(status=Patient.Status.ACTIVE, last_contact__lt=cutoff, then=Value(1)), default=Value(0)
        ),
    )


def stale_contact_words(v: Values, clock: Clock) -> str:
    days = days_since(v["last_contact"], clock.today)
    if days is None:
        return f"No contact recorded for {STALE_CONTACT_DAYS} days (none on record)"
    return f"No contact recorded for {days} days"


def overdue_tasks(clock: Clock, folded: Sequence[Q] = ()) -> FlagSql:
    """Open tasks past due, except those a raised flag speaks for (``folded``)."""
    overdue = Task.objects.filter(patient=PATIENT, status__in=OPEN_TASK, due_on__lt=clock.today)
    if folded:
        overdue = overdue.exclude(reduce(or_, folded))
    return FlagSql(
        annotations={"overdue_tasks_since": _first(overdue, "due_on")},
        items=_count(overdue),
    )


def overdue_tasks_words(v: Values, clock: Clock) -> str:
    n, due = v["overdue_tasks"], day(v["overdue_tasks_since"], clock.today)
    return f"{plural(n, 'overdue task')}, {'due' if n == 1 else 'oldest due'} {due}"


THREADS = ("messaging:patient_threads", "")

# Every flag, by its key in attention.WEIGHTS.
FLAGS: dict[str, Flag] = {
    "open_symptom_report": Flag(
        open_symptom_report, open_symptom_report_words, ("pathways:review", "#symptom-reports")
    ),
    "open_relapse": Flag(open_relapse, open_relapse_words),
    "family_reply_overdue": Flag(family_reply_overdue, family_reply_overdue_words, THREADS),
    "urgent_referral": Flag(urgent_referral, urgent_referral_words),
    "abnormal_results": Flag(abnormal_results, abnormal_results_words),
    "watch": Flag(watch, watch_words, ("diary:staff", "")),
    "family_waiting": Flag(family_waiting, family_waiting_words, THREADS),
    "normal_results": Flag(normal_results, normal_results_words),
    "review_overdue": Flag(review_overdue, review_overdue_words),
    "stale_contact": Flag(stale_contact, stale_contact_words),
    "overdue_tasks": Flag(overdue_tasks, overdue_tasks_words),  # counted last: see flag_sql
}


def flag_sql(clock: Clock) -> dict[str, FlagSql]:
    """Every flag's SQL; the overdue-task count leaves out the tasks the other flags fold in."""
    causes = {key: flag.sql(clock) for key, flag in FLAGS.items() if flag.sql is not overdue_tasks}
    folded = [sql.tasks for sql in causes.values() if sql.tasks is not None]
    return {**causes, "overdue_tasks": overdue_tasks(clock, folded)}
