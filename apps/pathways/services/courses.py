"""Treatment courses: planned -> active -> weaning -> completed, or stopped with a reason."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import refuse_unless
from carecoord.limits import within
from carecoord.transitions import Transitions

from ..models import CourseEvent, TreatmentCourse
from ..signals import course_changed, course_ended
from ._common import MOVE_REFUSED

Status = TreatmentCourse.Status


def _event(
    course: TreatmentCourse,
    before: str,
    after: str,
    actor: User,
    note: str,
    *,
    on_date: datetime.date | None = None,
) -> CourseEvent:
    """A course change takes effect on ``on_date`` (today unless the service says otherwise)."""
    return CourseEvent(
        course=course,
        from_status=before,
        to_status=after,
        on_date=on_date or timezone.localdate(),
        actor=actor,
        note=note[:300],
    )


COURSE = Transitions(
    "treatment course",
    {
        Status.PLANNED: {Status.ACTIVE, Status.STOPPED},
        Status.ACTIVE: {Status.WEANING, Status.COMPLETED, Status.STOPPED},
        Status.WEANING: {Status.COMPLETED, Status.STOPPED, Status.ACTIVE},  # back to active: restarted
        Status.COMPLETED: set(),
        Status.STOPPED: set(),
    },
    label=lambda state: Status(state).label,
    event=_event,
    illegal=MOVE_REFUSED,
    subject=lambda course: f"This {course.label} course",
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)
COURSE_TRANSITIONS = COURSE.table  # the table itself, read by status
# Still going (planned, active or weaning): every status the table can move on from.
OPEN_STATUSES = tuple(Status(s) for s in Status.values if COURSE.allowed_from(s))


def course_create(
    *,
    actor: User,
    patient: Patient,
    agent: str,
    start_date: datetime.date,
    planned_end_date: datetime.date | None = None,
    regimen_notes: str = "",
    agent_other: str = "",
    status: str = Status.ACTIVE,
    confirm_second_course: bool = False,
    second_course_reason: str = "",
) -> TreatmentCourse:
    """Record a course as planned, or as started (active) on ``start_date``.

    A second open course of the same agent is refused unless confirmed with a reason (kept on the course).
    """
    refuse_unless(roles.can_manage_treatment(actor), "Only a consultant can record treatment courses.")
    errors = {}
    if agent not in TreatmentCourse.Agent.values:
        errors["agent"] = "Choose the treatment."
    if agent == TreatmentCourse.Agent.OTHER and not agent_other.strip():
        errors["agent_other"] = "Say what the treatment is."
    if status not in (Status.PLANNED, Status.ACTIVE):
        errors["status"] = "A new course is planned or active."
    if start_date is None:
        errors["start_date"] = "Enter the start date."
    elif planned_end_date and planned_end_date < start_date:
        errors["planned_end_date"] = "The planned end cannot be before the start."
    elif status == Status.ACTIVE and start_date > timezone.localdate():
        errors["start_date"] = "An active course cannot start in the future; record it as planned."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one course check at a time
        second_course_reason = _check_second_course(
            patient, agent, agent_other, confirm_second_course, second_course_reason
        )
        course = TreatmentCourse(
            patient=patient,
            agent=agent,
            agent_other=within(agent_other, field="agent_other", limit=100, label="Other treatment"),
            status=status,
            start_date=start_date,
            planned_end_date=planned_end_date,
            regimen_notes=regimen_notes.strip(),
            second_course_reason=second_course_reason,
            prescriber=actor,
        )
        COURSE.create(course, actor=actor, event_fields={"on_date": start_date})
        course_changed.send(
            sender=TreatmentCourse, course=course, actor=actor, from_status="", to_status=course.status
        )
    return course


def _check_second_course(patient: Patient, agent: str, agent_other: str, confirmed: bool, reason: str) -> str:
    """A second open course of the same agent is usually a mistake (HAZ-08 family): ask to confirm, and why."""
    same = TreatmentCourse.objects.filter(patient=patient, agent=agent, status__in=OPEN_STATUSES)
    if agent == TreatmentCourse.Agent.OTHER:
        same = same.filter(agent_other__iexact=agent_other.strip())
    existing = same.order_by("start_date").first()
    if existing is None:
        return ""
    if confirmed and (reason or "").strip():
        return within(reason, field="reason", limit=300, label="Reason")
    raise ValidationError(
        {
            "second_course_reason": ValidationError(
                f"{patient.given_name} already has an open {existing.label} course "
                f"({existing.get_status_display().lower()}, from {existing.start_date:%d %b %Y}). "
                "To record a second one, confirm and say why.",
                code="second_course",
            )
        }
    )


def course_transition(
    *,
    actor: User,
    course: TreatmentCourse,
    to_status: str,
    on_date: datetime.date | None = None,
    reason: str = "",
    note: str = "",
) -> TreatmentCourse:
    """Start, wean, complete or stop a course. Stopping needs a reason."""
    refuse_unless(roles.can_manage_treatment(actor), "Only a consultant can change treatment courses.")
    on_date = on_date or timezone.localdate()
    if to_status == Status.STOPPED and not reason.strip():
        raise ValidationError({"reason": "Give a reason for stopping the course."})
    if on_date > timezone.localdate():
        raise ValidationError({"on_date": "The date cannot be in the future."})
    with transaction.atomic(durable=True):
        locked = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
        from_status = locked.status
        COURSE.check(locked.status, to_status, subject=locked)
        _check_dates(locked, to_status, on_date)
        COURSE.move(
            locked,
            to_status,
            actor=actor,
            note=(note or reason).strip(),
            event_fields={"on_date": on_date},
            **_fields_for(locked, to_status, on_date, reason),
        )
        if to_status in (Status.COMPLETED, Status.STOPPED):
            course_ended.send(sender=TreatmentCourse, course=locked, actor=actor, reason=reason or note)
        course_changed.send(
            sender=TreatmentCourse, course=locked, actor=actor, from_status=from_status, to_status=to_status
        )
    return locked


def _check_dates(locked: TreatmentCourse, to_status: str, on_date: datetime.date) -> None:
    # A planned course's start_date is only the plan: it may start (or be called off) earlier.
    if locked.status != Status.PLANNED and on_date < locked.start_date:
        raise ValidationError({"on_date": "The date cannot be before the course started."})
    if (
        to_status == Status.ACTIVE
        and locked.status == Status.PLANNED
        and locked.planned_end_date
        and on_date > locked.planned_end_date
    ):
        raise ValidationError(
            {
                "on_date": f"The course cannot start after its planned end ({locked.planned_end_date:%d %b %Y})."
            }
        )


def _fields_for(
    locked: TreatmentCourse, to_status: str, on_date: datetime.date, reason: str
) -> dict[str, Any]:
    """The dates (and the stop reason) a move sets on the course besides its status."""
    fields: dict[str, Any] = {}
    if to_status == Status.WEANING:
        fields["wean_started_on"] = on_date
    if to_status in (Status.COMPLETED, Status.STOPPED):
        fields["ended_on"] = on_date
    if to_status == Status.ACTIVE and locked.status == Status.PLANNED:
        fields["start_date"] = on_date
    if to_status == Status.STOPPED:
        fields["stop_reason"] = within(reason, field="reason", limit=300, label="Reason")
    return fields
