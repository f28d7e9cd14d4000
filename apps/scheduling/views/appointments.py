"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

from typing import Any

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from .. import selectors, services
from ..forms import (
    BookForm,
    CancelForm,
    MoveForm,
    offer_override,
    override_reason,
)
from ..models import Appointment
from ._common import PAST_SHOWN, RECORD_ACTIONS, FormSlot, Status, _history, _is_clash, _row, _with_history


def _book_slot(patient: Patient, form: BookForm | None = None) -> FormSlot:
    return FormSlot(
        key="book",
        submit="Book appointment",
        url=reverse("scheduling:book", args=[patient.pk]),
        form=form or BookForm(prefix="book", patient=patient),
    )


def _appointments_context(
    request: AuthedRequest, patient: Patient, book: BookForm | None = None
) -> dict[str, Any]:
    now = timezone.now()
    appointments = list(_with_history(selectors.appointments_of(user=request.user, patient=patient)))
    upcoming = [_row(a, "patient") for a in appointments if a.starts_at >= now]
    past = [_row(a, "patient") for a in reversed(appointments) if a.starts_at < now]
    return {
        "patient": patient,
        "upcoming": upcoming,
        "past": past[:PAST_SHOWN],
        "earlier": past[PAST_SHOWN:],
        "series_list": selectors.series_of(patient=patient),
        "book": _book_slot(patient, book),
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }


@staff_required
@require_GET
def appointments(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="appointments")
    return render(request, "scheduling/appointments.html", _appointments_context(request, patient))


@staff_required
@require_POST
def book(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    form = BookForm(request.POST, prefix="book", patient=patient)
    if form.is_valid():
        try:
            appointment = services.appointment_book(actor=request.user, patient=patient, **form.booking())
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
            if _is_clash(exc):
                offer_override(form)
        else:
            message = f"Booked: {appointment}."
            if request.htmx:
                access_record(request=request, patients=patient, what="appointments")
                context = {**_appointments_context(request, patient), "saved_message": message}
                response = render(request, "scheduling/_appointments_body.html", context)
                return reswap(retarget(response, "#appointments-body"), "outerHTML")
            messages.success(request, message)
            return redirect("scheduling:appointments", pk=patient.pk)
    if request.htmx:
        return render(request, "scheduling/_form_slot.html", {"slot": _book_slot(patient, form)}, status=400)
    access_record(request=request, patients=patient, what="appointments")
    context = _appointments_context(request, patient, book=form)
    return render(request, "scheduling/appointments.html", context, status=400)


def _refresh(request: AuthedRequest, pk: int) -> Appointment:
    appointment = selectors.appointment_get(user=request.user, pk=pk)
    prefetch_related_objects([appointment], _history())
    return appointment


def _told(appointment: Appointment) -> str:
    return " The family is told." if appointment.family_visible else ""


def _run_action(
    request: AuthedRequest, appointment: Appointment, action: str
) -> tuple[str, str, MoveForm | None, CancelForm | None]:
    """Do one action. Returns (message, error, the move or cancel form to show again).

    The status the page showed goes to the service, which refuses the action if it has changed since.
    """
    user = request.user
    expected = request.POST.get("expected_status") or None
    if action in RECORD_ACTIONS:
        _, run, _ = RECORD_ACTIONS[action]
        try:
            done = run(actor=user, appointment=appointment, expected=expected)
        except SERVICE_REFUSALS as exc:
            return "", " ".join(refusal_messages(exc)), None, None
        return f"Marked {Status(done.status).label.lower()}.", "", None, None
    if action == "move":
        move = MoveForm(request.POST, prefix=f"move-{appointment.pk}")
        if move.is_valid():
            try:
                moved = services.appointment_move(
                    actor=user,
                    appointment=appointment,
                    starts_at=move.cleaned_data["starts_at"],
                    ends_at=move.ends_at,
                    override_reason=override_reason(move),
                    expected=expected,
                )
            except SERVICE_REFUSALS as exc:
                form_add_service_errors(move, exc)
                if _is_clash(exc):
                    offer_override(move)
            else:
                when = timezone.localtime(moved.starts_at)
                return f"Moved to {when:%H:%M} on {when.day} {when:%b %Y}.{_told(moved)}", "", None, None
        return "", "", move, None
    cancel = CancelForm(request.POST, prefix=f"cancel-{appointment.pk}")
    if cancel.is_valid():
        try:
            services.appointment_cancel(
                actor=user, appointment=appointment, expected=expected, **cancel.cleaned_data
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(cancel, exc)
        else:
            return f"Cancelled.{_told(appointment)}", "", None, None
    return "", "", None, cancel


@staff_required
@require_POST
def appointment_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    appointment = selectors.appointment_get(user=request.user, pk=pk)
    if action not in {*RECORD_ACTIONS, "move", "cancel"}:
        raise Http404
    view = "clinic" if request.POST.get("view") == "clinic" else "patient"
    message, error, move_form, cancel_form = _run_action(request, appointment, action)
    failed = bool(error or move_form or cancel_form)
    if request.htmx:
        appointment = _refresh(request, pk)
        access_record(request=request, patients=appointment.patient, what="appointments")
        row = _row(
            appointment, view, move_form=move_form, cancel_form=cancel_form, message=message, error=error
        )
        return render(request, "scheduling/_appointment.html", {"row": row}, status=400 if failed else 200)
    if failed:
        messages.error(request, error or "Check the details and try again.")
    else:
        messages.success(request, message)
    if view == "clinic":
        day = timezone.localdate(appointment.starts_at).isoformat()
        return redirect(f"{reverse('scheduling:clinic')}?day={day}")
    return redirect("scheduling:appointments", pk=appointment.patient_id)
