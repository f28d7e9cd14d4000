"""Booking, moving, confirming, cancelling and recording attendance. Clashes are refused by name.

Every change of status goes through ``APPOINTMENT`` (the one Transitions helper). Its event row is the
AppointmentEvent, whose ``kind`` names the move: the kinds are the statuses (confirmed, attended, ...),
except that a move back to booked is "rescheduled" and keeps the time it had. The previous status is in
the appointment's history, so the event carries no from/to columns of its own.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients import access
from apps.patients.models import Patient
from apps.referrals import permissions
from apps.referrals.models import Referral
from apps.referrals.services import referral_mark_booked, referral_seen
from apps.tasks.models import Task
from apps.tasks.services import task_open
from carecoord.errors import ApplicationError
from carecoord.history import save_with_history
from carecoord.limits import within
from carecoord.transitions import Transitions, expecting

from ..models import Appointment, AppointmentEvent, Reminder
from .clashes import check_clashes, lock_diaries
from .notices import notify_guardians
from .review_outcomes import reviews_complete_for_attendance

Status = Appointment.Status
Kind = AppointmentEvent.Kind
_EVENT_KIND = {
    Status.BOOKED: Kind.RESCHEDULED,  # back to booked only by a move: it needs confirming again
    Status.CONFIRMED: Kind.CONFIRMED,
    Status.ATTENDED: Kind.ATTENDED,
    Status.DID_NOT_ATTEND: Kind.DID_NOT_ATTEND,
    Status.CANCELLED: Kind.CANCELLED,
}


def _kind_phrase(appointment: Appointment) -> str:
    """The kind mid-sentence: each word lowered unless it is an abbreviation ("MRI", "IVIG")."""
    return " ".join(
        w if w.strip("()").isupper() else w.lower() for w in appointment.get_kind_display().split()
    )


def _event(appointment: Appointment, before: str, after: str, actor: User, note: str) -> AppointmentEvent:
    kind = _EVENT_KIND[Status(after)]
    return AppointmentEvent(
        appointment=appointment,
        kind=kind,
        actor=actor,
        note=note[:300],
        # The helper shows the row as it stood before the move: its start is the time it is moving from.
        previous_starts_at=appointment.starts_at if kind == Kind.RESCHEDULED else None,
    )


# booked -> booked and confirmed -> booked are moves (new times); the other three states are final.
APPOINTMENT = Transitions(
    "appointment",
    {
        Status.BOOKED: {
            Status.CONFIRMED,
            Status.ATTENDED,
            Status.DID_NOT_ATTEND,
            Status.CANCELLED,
            Status.BOOKED,
        },
        Status.CONFIRMED: {Status.ATTENDED, Status.DID_NOT_ATTEND, Status.CANCELLED, Status.BOOKED},
        Status.ATTENDED: set(),
        Status.DID_NOT_ATTEND: set(),
        Status.CANCELLED: set(),
    },
    label=lambda state: Status(state).label,
    event=_event,
    illegal="This appointment is {current}; it cannot be marked {target}.",
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)


def _require_scheduler(actor: User) -> None:
    if roles.staff_role(actor) is None:
        raise PermissionDenied("Only staff can book or change appointments.")


def appointment_create(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    team: Team | None = None,
    clinician: User | None = None,
    location: str = "",
    preparation_notes: str = "",
    internal_notes: str = "",
    family_visible: bool = True,
    referral: Referral | None = None,
    override_reason: str = "",
    series_id: int | None = None,
    series_index: int | None = None,
) -> Appointment:
    """Book inside the caller's transaction (series generation books many at once)."""
    if kind not in Appointment.Kind.values:
        raise ValidationError({"kind": "Choose the type of appointment."})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Appointment times must be timezone-aware")
    if clinician is not None and roles.staff_role(clinician) is None:
        raise ValidationError({"clinician": "Choose a member of staff."})
    if referral is not None and referral.patient_id != patient.pk:
        raise ValidationError({"referral": "That referral is for another child."})
    if referral is not None and not permissions.can_triage(actor, referral):
        raise PermissionDenied(f"Only members of {referral.target_team} can book against this referral.")
    lock_diaries(patient.pk, clinician.pk if clinician else None)
    check_clashes(
        patient=patient,
        clinician=clinician,
        starts_at=starts_at,
        ends_at=ends_at,
        override_reason=override_reason,
    )
    appointment = Appointment(
        patient=patient,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        team=team,
        clinician=clinician,
        location=within(location, field="location", limit=200, label="Location"),
        preparation_notes=preparation_notes.strip(),
        internal_notes=internal_notes.strip(),
        family_visible=family_visible,
        referral=referral,
        clash_override_reason=within(
            override_reason, field="override_reason", limit=300, label="Reason to book anyway"
        ),
        series_id=series_id,
        series_index=series_index,
        created_by=actor,
    )
    save_with_history(appointment, actor=actor)
    AppointmentEvent.objects.create(appointment=appointment, kind=Kind.BOOKED, actor=actor)
    if referral is not None and referral.status == Referral.Status.ACCEPTED:
        referral_mark_booked(
            actor=actor, referral=referral, note=f"Appointment {timezone.localtime(starts_at):%d %b %Y}"
        )
    return appointment


def appointment_book(*, actor: User, patient: Patient, **details: object) -> Appointment:
    """A member of staff books one appointment for a child they can see."""
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return appointment_create(actor=actor, patient=patient, **details)  # type: ignore[arg-type]


def _locked(appointment: Appointment) -> Appointment:
    # Lock the appointment row only: PostgreSQL refuses FOR UPDATE on the outer join to a missing referral.
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "referral")
        .get(pk=appointment.pk)
    )


def appointment_shift(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    override_reason: str = "",
    exclude: list[int] | None = None,
    expected: str | None = None,
) -> Appointment:
    """Move inside the caller's transaction: new times, SEQUENCE + 1, an event, and a notice to the family.

    ``expected`` (here and below) is the status the caller saw; an appointment changed since is stale.
    """
    lock_diaries(appointment.patient_id, appointment.clinician_id)
    locked = _locked(appointment)
    seen = expecting(Appointment.ACTIVE_STATUSES, expected)
    APPOINTMENT.check(locked.status, Status.BOOKED, expected=seen)  # before the clash check
    check_clashes(
        patient=locked.patient,
        clinician=locked.clinician,
        starts_at=starts_at,
        ends_at=ends_at,
        override_reason=override_reason,
        exclude=[locked.pk, *(exclude or [])],
    )
    APPOINTMENT.move(
        locked,
        Status.BOOKED,  # a moved appointment needs confirming again
        actor=actor,
        expected=seen,
        starts_at=starts_at,
        ends_at=ends_at,
        sequence=locked.sequence + 1,  # the row is locked; an F() would break the history row
        clash_override_reason=within(
            override_reason, field="override_reason", limit=300, label="Reason to book anyway"
        )
        or locked.clash_override_reason,
    )
    locked.refresh_from_db()
    notify_guardians(appointment=locked, kind=Reminder.Kind.MOVED)
    return locked


def appointment_move(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    override_reason: str = "",
    expected: str | None = None,
) -> Appointment:
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return appointment_shift(
            actor=actor,
            appointment=appointment,
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
            expected=expected,
        )


def appointment_end(
    *, actor: User, appointment: Appointment, cancelled_by: str, reason: str, expected: str | None = None
) -> Appointment:
    """Cancel inside the caller's transaction (stopping a series cancels many)."""
    if cancelled_by not in Appointment.CancelledBy.values:
        raise ValidationError({"cancelled_by": "Say who cancelled: the hospital or the family."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    locked = _locked(appointment)
    APPOINTMENT.move(
        locked,
        Status.CANCELLED,
        actor=actor,
        note=reason.strip(),
        expected=expecting(Appointment.ACTIVE_STATUSES, expected),  # cancelled twice: stale
        cancelled_by=cancelled_by,
        cancel_reason=within(reason, field="reason", limit=300, label="Reason"),
        sequence=locked.sequence + 1,
    )
    locked.refresh_from_db()
    notify_guardians(appointment=locked, kind=Reminder.Kind.CANCELLED)
    return locked


def appointment_cancel(
    *, actor: User, appointment: Appointment, cancelled_by: str, reason: str, expected: str | None = None
) -> Appointment:
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return appointment_end(
            actor=actor, appointment=appointment, cancelled_by=cancelled_by, reason=reason, expected=expected
        )


def _require_started(appointment: Appointment, what: str) -> None:
    """Attendance is recorded only once the appointment has started (HAZ-13), not earlier the same day."""
    if appointment.starts_at > timezone.now():
        starts = timezone.localtime(appointment.starts_at)
        raise ApplicationError.illegal_transition(
            f"This appointment starts at {starts:%H:%M} on {starts:%d %b %Y}; "
            f"it can be marked {what} from then."
        )


def _mark(actor: User, appointment: Appointment, to: str, expected: str | None) -> Appointment:
    """Confirm or record attendance on the locked row, inside the caller's transaction."""
    return APPOINTMENT.move(_locked(appointment), to, actor=actor, expected=expected)


def appointment_confirm(*, actor: User, appointment: Appointment, expected: str | None = None) -> Appointment:
    """Staff who can see the child, or a guardian of the child (family-visible appointments only), confirm it."""
    sees_child = access.can_see(actor, appointment.patient_id)
    family_ok = roles.is_family(actor) and appointment.family_visible
    if not sees_child or not (roles.staff_role(actor) is not None or family_ok):
        raise PermissionDenied("You cannot confirm this appointment.")
    with transaction.atomic(durable=True):
        return _mark(actor, appointment, Status.CONFIRMED, expected)


def appointment_attended(
    *, actor: User, appointment: Appointment, expected: str | None = None
) -> Appointment:
    """Record attendance (from the day itself); a referral booked with it moves to "seen"."""
    _require_scheduler(actor)
    _require_started(appointment, "attended")
    with transaction.atomic(durable=True):
        locked = _mark(actor, appointment, Status.ATTENDED, expected)
        referral = locked.referral
        if (
            referral is not None
            and referral.status == Referral.Status.BOOKED
            and permissions.can_triage(actor, referral)
        ):
            referral_seen(actor=actor, referral=referral)
        reviews_complete_for_attendance(actor=actor, appointment=locked)  # HAZ-01: the review is done
        return locked


def appointment_did_not_attend(
    *, actor: User, appointment: Appointment, expected: str | None = None
) -> Appointment:
    """Record a did-not-attend (from the day itself); the child's named nurse gets a follow-up task."""
    _require_scheduler(actor)
    _require_started(appointment, "did not attend")
    with transaction.atomic(durable=True):
        locked = _mark(actor, appointment, Status.DID_NOT_ATTEND, expected)
        nurse = locked.patient.named_nurse
        team = None if nurse else Team.objects.filter(code=Team.Code.NURSING).first()
        if nurse is not None or team is not None:
            task_open(
                title=f"Follow up a missed {_kind_phrase(locked)}",
                source=Task.Source.DID_NOT_ATTEND,
                assignee=nurse,
                team=team,
                patient=locked.patient,
                due_on=timezone.localdate() + datetime.timedelta(days=1),
                priority=Task.Priority.HIGH,
                source_key=f"appointment:{locked.pk}:dna",
                link_url=f"/patients/{locked.patient_id}/appointments/",
                created_by=actor,
            )
        return locked


CANT_MAKE_IT_REASON_MAX = 300


def cant_make_it_source_key(appointment: Appointment) -> str:
    """One task per appointment time: a moved appointment the family cannot make either is a new request."""
    key = f"appointment:{appointment.pk}:cant-make-it"
    return key if appointment.sequence == 0 else f"{key}:{appointment.sequence}"


def appointment_family_cannot_attend(
    *, actor: User, appointment: Appointment, reason: str = ""
) -> Appointment:
    """A guardian says they can't make a coming appointment. The appointment stays as it is: the event is
    recorded and the named nurse (or the Nursing queue) gets a task to arrange another time with them."""
    sees_child = access.can_see(actor, appointment.patient_id)
    if not (roles.is_family(actor) and sees_child and appointment.family_visible):
        raise PermissionDenied("You cannot change this appointment.")
    reason = (reason or "").strip()
    if len(reason) > CANT_MAKE_IT_REASON_MAX:
        raise ValidationError(
            {"reason": f"Please keep this to {CANT_MAKE_IT_REASON_MAX} characters or fewer."}
        )
    from apps.patients.services import named_nurse_or_nursing_queue

    with transaction.atomic(durable=True):
        locked = _locked(appointment)
        if not locked.is_active or locked.starts_at <= timezone.now():
            raise ApplicationError.illegal_transition(
                "This appointment has already happened or been cancelled."
            )
        key = cant_make_it_source_key(locked)
        if Task.objects.filter(source_key=key).exists():
            return locked  # already told us (a second tap on the button)
        AppointmentEvent.objects.create(
            appointment=locked, kind=Kind.FAMILY_CANT_MAKE_IT, actor=actor, note=reason
        )
        nurse, queue = named_nurse_or_nursing_queue(locked.patient)
        when = timezone.localtime(locked.starts_at)
        said = f"\n\nThey said: {reason}" if reason else ""
        task_open(
            title=f"Family can't make {_kind_phrase(locked)} on {when.day} {when:%b}: arrange another time",
            source=Task.Source.FAMILY_CANT_MAKE_IT,  # from the portal, not a person's own task
            assignee=nurse,
            team=queue,
            patient=locked.patient,
            due_on=min(
                timezone.localdate() + datetime.timedelta(days=1), timezone.localdate(locked.starts_at)
            ),
            priority=Task.Priority.HIGH,
            detail=f"{actor.full_name} told us through the family portal that they cannot come to the "
            f"{_kind_phrase(locked)} at {when:%H:%M} on {when:%A} {when.day} {when:%B %Y}.{said}",
            source_key=key,
            link_url=f"/patients/{locked.patient_id}/appointments/#appointment-{locked.pk}",
            created_by=actor,
        )
        return locked
