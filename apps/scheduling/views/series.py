"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from .. import selectors, services
from ..forms import (
    SeriesForm,
    SeriesMoveForm,
    SeriesStopForm,
    offer_override,
    override_reason,
)
from ..models import Appointment, TreatmentSeries
from ._common import FormSlot, _form_errors, _is_clash


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
        except SERVICE_REFUSALS as exc:
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
    # Offered from the tables: a series that can still end, and occurrences that can still be moved.
    active = services.SERIES.can(series.status, TreatmentSeries.Status.ENDED)

    def movable(a: Appointment) -> bool:
        return active and services.APPOINTMENT.can(a.status, Appointment.Status.BOOKED)

    return {
        "series": series,
        "patient": series.patient,
        "occurrences": [(a, _move_slot(series, a) if movable(a) else None) for a in occurrences],
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
        except SERVICE_REFUSALS as exc:
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
    if form.is_valid():  # a series stopped a moment ago is refused by the service (stale)
        try:
            cancelled = services.series_stop(
                actor=request.user, series=series, reason=form.cleaned_data["reason"]
            )
        except SERVICE_REFUSALS as exc:
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
