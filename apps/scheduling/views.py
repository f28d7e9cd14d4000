"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.decorators import staff_required
from apps.accounts.models import Team
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import form_add_service_errors

from . import selectors, services
from .forms import (
    BookForm,
    CancelForm,
    MoveForm,
    SeriesForm,
    SeriesMoveForm,
    SeriesStopForm,
    offer_override,
    override_reason,
)
from .models import Appointment, AppointmentEvent, CalendarFeed, TreatmentSeries

Status = Appointment.Status

# What a row offers, one button each: (label, service, statuses it applies to).
RECORD_ACTIONS: dict[str, tuple[str, Callable[..., Appointment], tuple[str, ...]]] = {
    "confirm": ("Confirm", services.appointment_confirm, (Status.BOOKED,)),
    "attended": ("Attended", services.appointment_attended, Appointment.ACTIVE_STATUSES),
    "did-not-attend": ("Did not attend", services.appointment_did_not_attend, Appointment.ACTIVE_STATUSES),
}
PAST_SHOWN = 10  # past appointments shown before "show earlier"


def _is_clash(exc: ValidationError, field_name: str = "starts_at") -> bool:
    """A refused double booking, so the page offers "book anyway". Single bookings carry the code
    "clash"; a series reports each clashing occurrence as text that asks for a reason."""
    errors = getattr(exc, "error_dict", {}).get(field_name, [])
    return any(e.code == "clash" or "give a reason" in " ".join(e.messages) for e in errors)


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
    if not appointment.is_active:
        return row
    started = timezone.localdate(appointment.starts_at) <= timezone.localdate()
    for key, (label, _, statuses) in RECORD_ACTIONS.items():
        if appointment.status in statuses and (key == "confirm" or started):
            row.buttons.append((key, label))
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    row.move_form = move_form or MoveForm(
        prefix=f"move-{appointment.pk}",
        initial={"starts_at": appointment.starts_at, "duration_minutes": minutes},
    )
    row.cancel_form = cancel_form or CancelForm(prefix=f"cancel-{appointment.pk}")
    row.open_form = "move" if move_form else "cancel" if cancel_form else ""
    return row


def _history() -> Prefetch:
    return Prefetch("events", queryset=AppointmentEvent.objects.select_related("actor"))


def _with_history(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.prefetch_related(_history())


# A child's appointments tab


def _book_slot(patient: Patient, form: BookForm | None = None) -> FormSlot:
    return FormSlot(
        key="book",
        submit="Book appointment",
        url=reverse("scheduling:book", args=[patient.pk]),
        form=form or BookForm(prefix="book"),
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
    form = BookForm(request.POST, prefix="book")
    if form.is_valid():
        try:
            appointment = services.appointment_book(actor=request.user, patient=patient, **form.booking())
        except ValidationError as exc:
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


# One appointment's actions (from the appointments tab or the clinic list)


def _refresh(request: AuthedRequest, pk: int) -> Appointment:
    appointment = selectors.appointment_get(user=request.user, pk=pk)
    prefetch_related_objects([appointment], _history())
    return appointment


def _told(appointment: Appointment) -> str:
    return " The family is told." if appointment.family_visible else ""


def _run_action(
    request: AuthedRequest, appointment: Appointment, action: str
) -> tuple[str, str, MoveForm | None, CancelForm | None]:
    """Do one action. Returns (message, error, the move or cancel form to show again)."""
    user = request.user
    if action in RECORD_ACTIONS:
        _, run, _ = RECORD_ACTIONS[action]
        try:
            done = run(actor=user, appointment=appointment)
        except ValidationError as exc:
            return "", " ".join(exc.messages), None, None
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
                )
            except ValidationError as exc:
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
            services.appointment_cancel(actor=user, appointment=appointment, **cancel.cleaned_data)
        except ValidationError as exc:
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
    expected = request.POST.get("expected_status", "")
    move_form = cancel_form = None
    if expected and expected != appointment.status:
        now = appointment.get_status_display().lower()
        message, error = "", f"This appointment is now {now}; someone changed it a moment ago."
    else:
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


# Treatment series


@staff_required
@require_http_methods(["GET", "POST"])
def series_new(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    course = request.GET.get("course", "")
    initial = {"course": int(course)} if course.isdigit() else {}
    form = SeriesForm(request.POST or None, patient=patient, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(actor=request.user, patient=patient, **form.series())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            if _is_clash(exc, "first_starts_at"):
                offer_override(form)
        else:
            messages.success(request, f"{series.count} appointments booked for {series.title}.")
            return redirect("scheduling:series", pk=series.pk)
    access_record(request=request, patients=patient, what="appointments")
    context = {
        "patient": patient,
        "form": form,
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }
    return render(request, "scheduling/series_form.html", context, status=400 if form.errors else 200)


def _move_slot(
    series: TreatmentSeries, appointment: Appointment, form: SeriesMoveForm | None = None
) -> FormSlot:
    return FormSlot(
        key=f"move-{appointment.pk}",
        submit="Move",
        url=reverse("scheduling:series_move", args=[series.pk, appointment.pk]),
        form=form
        or SeriesMoveForm(prefix=f"move-{appointment.pk}", initial={"starts_at": appointment.starts_at}),
        style="secondary",
    )


def _stop_slot(series: TreatmentSeries, form: SeriesStopForm | None = None) -> FormSlot:
    return FormSlot(
        key="stop",
        submit="Stop the series",
        url=reverse("scheduling:series_stop", args=[series.pk]),
        form=form or SeriesStopForm(prefix="stop"),
        style="warning",
    )


def _series_context(request: AuthedRequest, series: TreatmentSeries) -> dict[str, Any]:
    occurrences = series.appointments.select_related("team", "clinician").order_by(
        "series_index", "starts_at"
    )
    active = series.status == TreatmentSeries.Status.ACTIVE
    return {
        "series": series,
        "patient": series.patient,
        "occurrences": [(a, _move_slot(series, a) if active and a.is_active else None) for a in occurrences],
        "stop": _stop_slot(series) if active else None,
        "via_break_glass": access.is_break_glass_access(request.user, series.patient),
    }


def _series_body(request: AuthedRequest, series: TreatmentSeries, message: str) -> HttpResponse:
    series = selectors.series_get(user=request.user, pk=series.pk)
    access_record(request=request, patients=series.patient, what="appointments")
    context = {**_series_context(request, series), "saved_message": message}
    response = render(request, "scheduling/_series_body.html", context)
    return reswap(retarget(response, "#series-body"), "outerHTML")


@staff_required
@require_GET
def series_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    series = selectors.series_get(user=request.user, pk=pk)
    access_record(request=request, patients=series.patient, what="appointments")
    return render(request, "scheduling/series.html", _series_context(request, series))


@staff_required
@require_POST
def series_move(request: AuthedRequest, pk: int, appointment_pk: int) -> HttpResponse:
    series = selectors.series_get(user=request.user, pk=pk)
    appointment = get_object_or_404(series.appointments.all(), pk=appointment_pk)
    form = SeriesMoveForm(request.POST, prefix=f"move-{appointment.pk}")
    if form.is_valid():
        try:
            moved = services.series_move(
                actor=request.user,
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                and_following=form.cleaned_data["and_following"],
                override_reason=override_reason(form),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            if _is_clash(exc):
                offer_override(form)
        else:
            message = f"{len(moved)} appointment{'s' if len(moved) != 1 else ''} moved. The family is told."
            if request.htmx:
                return _series_body(request, series, message)
            messages.success(request, message)
            return redirect("scheduling:series", pk=series.pk)
    if request.htmx:
        return render(
            request, "scheduling/_form_slot.html", {"slot": _move_slot(series, appointment, form)}, status=400
        )
    messages.error(request, _form_errors(form))
    return redirect("scheduling:series", pk=series.pk)


@staff_required
@require_POST
def series_stop(request: AuthedRequest, pk: int) -> HttpResponse:
    series = selectors.series_get(user=request.user, pk=pk)
    form = SeriesStopForm(request.POST, prefix="stop")
    if series.status != TreatmentSeries.Status.ACTIVE:
        form.add_error(None, "This series has already stopped.")
    elif form.is_valid():
        try:
            cancelled = services.series_stop(
                actor=request.user, series=series, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            message = (
                f"Series stopped. {cancelled} future appointment{'s' if cancelled != 1 else ''} cancelled."
            )
            if request.htmx:
                return _series_body(request, series, message)
            messages.success(request, message)
            return redirect("scheduling:series", pk=series.pk)
    if request.htmx:
        return render(request, "scheduling/_form_slot.html", {"slot": _stop_slot(series, form)}, status=400)
    messages.error(request, _form_errors(form))
    return redirect("scheduling:series", pk=series.pk)


# The clinic list for a day, and overdue re-evaluations


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return timezone.localdate()


@staff_required
@require_GET
def clinic(request: AuthedRequest) -> HttpResponse:
    day = _day(request.GET.get("day", ""))
    teams = list(Team.objects.filter(pk__in=access.team_ids(request.user)).order_by("name"))
    team_param = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == team_param), None)
    listed = selectors.clinic_list(user=request.user, day=day, team_id=team.pk if team else None)
    rows = [_row(a, "clinic") for a in listed.select_related("series")]
    access_record(request=request, patients={r.appointment.patient for r in rows}, what="clinic list")
    context = {
        "rows": rows,
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "teams": teams,
        "team": team,
    }
    return render(request, "scheduling/clinic.html", context)


@staff_required
@require_GET
def overdue_reviews(request: AuthedRequest) -> HttpResponse:
    rows = selectors.overdue_reviews(user=request.user)
    access_record(request=request, patients={r.patient for r in rows}, what="overdue re-evaluations")
    return render(request, "scheduling/overdue_reviews.html", {"rows": rows})


# Calendar feeds


def feed_url(request: HttpRequest, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("scheduling:feed", args=[feed.token]))


def webcal_url(url: str) -> str:
    """The same address with the scheme phones and desktop calendars open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


@staff_required
@require_GET
def my_calendar(request: AuthedRequest) -> HttpResponse:
    url = feed_url(request, services.calendar_feed_for(owner=request.user))
    return render(request, "scheduling/my_calendar.html", {"feed_url": url, "webcal_url": webcal_url(url)})


@staff_required
@require_POST
def my_calendar_regenerate(request: AuthedRequest) -> HttpResponse:
    services.calendar_feed_regenerate(owner=request.user)
    messages.success(request, "Here is your new calendar link. The old one has stopped working.")
    return redirect("scheduling:my_calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret iCalendar address: no login, so an unknown, revoked or inactive owner's link is a 404."""
    live = CalendarFeed.objects.filter(revoked_at__isnull=True, owner__is_active=True).select_related("owner")
    feed = get_object_or_404(live, token=token)
    response = HttpResponse(services.feed_ics(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="carecoord.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
