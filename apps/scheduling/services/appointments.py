"""Booking, moving, confirming, cancelling and recording attendance. Clashes are refused by name."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients import access
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.referrals.services import referral_mark_booked, referral_seen
from apps.tasks.models import Task
from apps.tasks.services import task_open
from carecoord.errors import ApplicationError

from ..models import Appointment, AppointmentEvent, Reminder
from .notices import notify_guardians

Status = Appointment.Status


def _require_scheduler(actor: User) -> None:
    if roles.staff_role(actor) is None:
        raise PermissionDenied("Only staff can book or change appointments.")


def _overlapping(starts_at: datetime.datetime, ends_at: datetime.datetime) -> Q:
    return Q(status__in=Appointment.ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at)


def clashes(
    *,
    patient: Patient,
    clinician: User | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude: list[int] | None = None,
) -> QuerySet[Appointment]:
    """Active appointments of the child, or of the clinician, that overlap this time."""
    who = Q(patient=patient)
    if clinician is not None:
        who |= Q(clinician=clinician)
    found = Appointment.objects.filter(who & _overlapping(starts_at, ends_at)).select_related(
        "patient", "clinician"
    )
    return found.exclude(pk__in=exclude or [])


def _describe(clash: Appointment, patient: Patient) -> str:
    when = timezone.localtime(clash.starts_at)
    whose = "The child" if clash.patient_id == patient.pk else f"{clash.clinician}"
    return f"{whose} already has an appointment ({clash.get_kind_display()}) at {when:%H:%M on %d %b %Y}"


def check_clashes(
    *,
    patient: Patient,
    clinician: User | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    override_reason: str,
    exclude: list[int] | None = None,
) -> None:
    """Refuse a double booking with a message naming what it clashes with, unless overridden with a reason."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    found = list(
        clashes(patient=patient, clinician=clinician, starts_at=starts_at, ends_at=ends_at, exclude=exclude)
    )
    if found and not override_reason.strip():
        message = "; ".join(_describe(c, patient) for c in found) + ". To book anyway, give a reason."
        raise ApplicationError.clash({"starts_at": [message]})


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
    if referral is not None and not access.can_triage(actor, referral):
        raise PermissionDenied(f"Only members of {referral.target_team} can book against this referral.")
    _lock_diaries(patient.pk, clinician.pk if clinician else None)
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
        location=location.strip()[:200],
        preparation_notes=preparation_notes.strip(),
        internal_notes=internal_notes.strip(),
        family_visible=family_visible,
        referral=referral,
        clash_override_reason=override_reason.strip()[:300],
        series_id=series_id,
        series_index=series_index,
        created_by=actor,
    )
    appointment._history_user = actor  # type: ignore[attr-defined]
    appointment.save()
    AppointmentEvent.objects.create(appointment=appointment, kind=AppointmentEvent.Kind.BOOKED, actor=actor)
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
) -> Appointment:
    """Move inside the caller's transaction: new times, SEQUENCE + 1, an event, and a notice to the family."""
    _lock_diaries(appointment.patient_id, appointment.clinician_id)
    locked = _locked(appointment)
    if not locked.is_active:
        raise ApplicationError.stale(f"A {locked.get_status_display().lower()} appointment cannot be moved.")
    check_clashes(
        patient=locked.patient,
        clinician=locked.clinician,
        starts_at=starts_at,
        ends_at=ends_at,
        override_reason=override_reason,
        exclude=[locked.pk, *(exclude or [])],
    )
    AppointmentEvent.objects.create(
        appointment=locked,
        kind=AppointmentEvent.Kind.RESCHEDULED,
        actor=actor,
        previous_starts_at=locked.starts_at,
    )
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.status = Status.BOOKED  # a moved appointment needs confirming again
    locked.sequence += 1  # the row is locked; an F() would break the history row
    if override_reason.strip():
        locked.clash_override_reason = override_reason.strip()[:300]
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["starts_at", "ends_at", "status", "sequence", "clash_override_reason"])
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
) -> Appointment:
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return appointment_shift(
            actor=actor,
            appointment=appointment,
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
        )


def appointment_end(*, actor: User, appointment: Appointment, cancelled_by: str, reason: str) -> Appointment:
    """Cancel inside the caller's transaction (stopping a series cancels many)."""
    if cancelled_by not in Appointment.CancelledBy.values:
        raise ValidationError({"cancelled_by": "Say who cancelled: the hospital or the family."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    locked = _locked(appointment)
    if not locked.is_active:
        raise ApplicationError.stale(f"This appointment is already {locked.get_status_display().lower()}.")
    AppointmentEvent.objects.create(
        appointment=locked, kind=AppointmentEvent.Kind.CANCELLED, actor=actor, note=reason.strip()[:300]
    )
    locked.status = Status.CANCELLED
    locked.cancelled_by = cancelled_by
    locked.cancel_reason = reason.strip()[:300]
    locked.sequence += 1  # the row is locked; an F() would break the history row
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "cancelled_by", "cancel_reason", "sequence"])
    locked.refresh_from_db()
    notify_guardians(appointment=locked, kind=Reminder.Kind.CANCELLED)
    return locked


def appointment_cancel(
    *, actor: User, appointment: Appointment, cancelled_by: str, reason: str
) -> Appointment:
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return appointment_end(actor=actor, appointment=appointment, cancelled_by=cancelled_by, reason=reason)


def _lock_diaries(patient_id: int, clinician_id: int | None) -> None:
    """Serialise bookings for the same child or clinician, so two at once cannot both pass the clash check.

    Rows are locked in a fixed order (child, then clinician) so two bookings never deadlock.
    """
    Patient.objects.select_for_update().filter(pk=patient_id).first()
    if clinician_id is not None:
        User.objects.select_for_update().filter(pk=clinician_id).first()


def _require_started(appointment: Appointment, what: str) -> None:
    if timezone.localdate(appointment.starts_at) > timezone.localdate():
        raise ApplicationError.illegal_transition(
            f"This appointment is on {timezone.localtime(appointment.starts_at):%d %b %Y}; "
            f"it can be marked {what} from that day."
        )


def _record(
    actor: User, appointment: Appointment, to: str, event: str, allowed: tuple[str, ...]
) -> Appointment:
    locked = _locked(appointment)
    if locked.status not in allowed:
        raise ApplicationError.illegal_transition(
            f"This appointment is {locked.get_status_display().lower()}; it cannot be marked "
            f"{Status(to).label.lower()}."
        )
    AppointmentEvent.objects.create(appointment=locked, kind=event, actor=actor)
    locked.status = to
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.save(update_fields=["status"])
    return locked


def appointment_confirm(*, actor: User, appointment: Appointment) -> Appointment:
    """Staff who can see the child, or a guardian of the child (family-visible appointments only), confirm it."""
    sees_child = access.visible_patients(actor).filter(pk=appointment.patient_id).exists()
    family_ok = roles.is_family(actor) and appointment.family_visible
    if not sees_child or not (roles.staff_role(actor) is not None or family_ok):
        raise PermissionDenied("You cannot confirm this appointment.")
    with transaction.atomic(durable=True):
        return _record(
            actor, appointment, Status.CONFIRMED, AppointmentEvent.Kind.CONFIRMED, (Status.BOOKED,)
        )


def appointment_attended(*, actor: User, appointment: Appointment) -> Appointment:
    """Record attendance (from the day itself); a referral booked with it moves to "seen"."""
    _require_scheduler(actor)
    _require_started(appointment, "attended")
    with transaction.atomic(durable=True):
        locked = _record(
            actor, appointment, Status.ATTENDED, AppointmentEvent.Kind.ATTENDED, Appointment.ACTIVE_STATUSES
        )
        referral = locked.referral
        if (
            referral is not None
            and referral.status == Referral.Status.BOOKED
            and access.can_triage(actor, referral)
        ):
            referral_seen(actor=actor, referral=referral)
        return locked


def appointment_did_not_attend(*, actor: User, appointment: Appointment) -> Appointment:
    """Record a did-not-attend (from the day itself); the child's named nurse gets a follow-up task."""
    _require_scheduler(actor)
    _require_started(appointment, "did not attend")
    with transaction.atomic(durable=True):
        locked = _record(
            actor,
            appointment,
            Status.DID_NOT_ATTEND,
            AppointmentEvent.Kind.DID_NOT_ATTEND,
            Appointment.ACTIVE_STATUSES,
        )
        nurse = locked.patient.named_nurse
        team = None if nurse else Team.objects.filter(code=Team.Code.NURSING).first()
        if nurse is not None or team is not None:
            task_open(
                title=f"Follow up a missed {locked.get_kind_display().lower()}",
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
    sees_child = access.visible_patients(actor).filter(pk=appointment.patient_id).exists()
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
            appointment=locked, kind=AppointmentEvent.Kind.FAMILY_CANT_MAKE_IT, actor=actor, note=reason
        )
        nurse, queue = named_nurse_or_nursing_queue(locked.patient)
        when = timezone.localtime(locked.starts_at)
        said = f"\n\nThey said: {reason}" if reason else ""
        task_open(
            title=f"Family can't make {locked.get_kind_display().lower()} on {when.day} {when:%b}: arrange another time",
            source=Task.Source.MANUAL,
            assignee=nurse,
            team=queue,
            patient=locked.patient,
            due_on=min(
                timezone.localdate() + datetime.timedelta(days=1), timezone.localdate(locked.starts_at)
            ),
            priority=Task.Priority.HIGH,
            detail=f"{actor.full_name} told us through the family portal that they cannot come to the "
            f"{locked.get_kind_display().lower()} at {when:%H:%M} on {when:%A} {when.day} {when:%B %Y}.{said}",
            source_key=key,
            link_url=f"/patients/{locked.patient_id}/appointments/#appointment-{locked.pk}",
            created_by=actor,
        )
        return locked
