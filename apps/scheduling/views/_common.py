"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from carecoord.errors import ApplicationError

from .. import services
from ..forms import (
    CancelForm,
    MoveForm,
)
from ..models import Appointment, AppointmentEvent

Status = Appointment.Status

# What a row offers, one button each: (label, service, the status it moves to). A button is offered when
# the one table (services.APPOINTMENT) allows that move from where the appointment stands.
RECORD_ACTIONS: dict[str, tuple[str, Callable[..., Appointment], str]] = {
    "confirm": ("Confirm", services.appointment_confirm, Status.CONFIRMED),
    "attended": ("Attended", services.appointment_attended, Status.ATTENDED),
    "did-not-attend": ("Did not attend", services.appointment_did_not_attend, Status.DID_NOT_ATTEND),
}
PAST_SHOWN = 10  # past appointments shown before "show earlier"


def _is_clash(exc: Exception, field_name: str = "starts_at") -> bool:
    """A refused double booking (code "clash", for one booking or a series), so the page offers "book anyway"."""
    return isinstance(exc, ApplicationError) and exc.code == "clash" and field_name in exc.fields


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


@dataclass
class FormSlot:
    key: str
    submit: str
    url: str
    form: forms.Form
    style: str = "primary"  # or "secondary" (an action on one item in a list), or "warning"


@dataclass
class AppointmentRow:
    """One appointment with the actions it offers now. ``view`` is "patient" or "clinic"."""

    appointment: Appointment
    view: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    move_form: MoveForm | None = None
    cancel_form: CancelForm | None = None
    open_form: str = ""
    message: str = ""
    error: str = ""


def _row(
    appointment: Appointment,
    view: str,
    *,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    message: str = "",
    error: str = "",
) -> AppointmentRow:
    row = AppointmentRow(appointment, view, message=message, error=error)
    allowed = services.APPOINTMENT.allowed_from(appointment.status)
    started = appointment.starts_at <= timezone.now()  # attendance only from the start time (HAZ-13)
    for key, (label, _, to) in RECORD_ACTIONS.items():
        if to in allowed and (to == Status.CONFIRMED or started):
            row.buttons.append((key, label))
    if Status.BOOKED not in allowed:  # moving is a move back to booked; a final one offers nothing more
        return row
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    row.move_form = move_form or MoveForm(
        prefix=f"move-{appointment.pk}",
        initial={"starts_at": appointment.starts_at, "duration_minutes": minutes},
    )
    if Status.CANCELLED in allowed:
        row.cancel_form = cancel_form or CancelForm(prefix=f"cancel-{appointment.pk}")
    row.open_form = "move" if move_form else "cancel" if cancel_form else ""
    return row


def _history() -> Prefetch:
    return Prefetch("events", queryset=AppointmentEvent.objects.select_related("actor"))


def _with_history(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.prefetch_related(_history())
