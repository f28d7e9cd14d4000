"""The staff watch page (the watch now, its history) and the open, extend and end forms.

Every page starts from a child the user may see (404 otherwise) and writes an AccessEvent. A change
is refused with 403 before its form is read for anyone who may not change the watch.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, ApplicationError, form_add_service_errors, refuse_unless

from . import selectors, services
from .forms import WatchEndForm, WatchExtendForm, WatchOpenForm


def _page(
    request: AuthedRequest, patient: Patient, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    today = services.watch_today()
    access_record(request=request, patients=patient, what="watch periods")
    context = {
        "patient": patient,
        "tab": "diary",
        "today": today,
        "current": selectors.open_watch(patient.pk, today),
        "history": selectors.history_of(patient.pk),
        "can_manage": services.can_manage_watch(request.user, patient),
        "open_form": bound.get("open_form") or WatchOpenForm(),
        "extend_form": bound.get("extend_form") or WatchExtendForm(),
        "end_form": bound.get("end_form") or WatchEndForm(),
    }
    return render(request, "watch/staff.html", context, status=status)


@staff_required
@require_GET
def staff_watch(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, patient_get(user=request.user, pk=pk))


def _change(
    request: AuthedRequest,
    pk: int,
    slot: str,
    form_class: type[forms.Form],
    run: Callable[..., Any],
    done: str,
) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_manage_watch(request.user, patient), services.MANAGERS_ONLY)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("watch:staff", pk=pk)
    return _page(request, patient, status=400, **{slot: form})


def _current(patient: Patient) -> Any:
    watch = selectors.open_watch(patient.pk, services.watch_today())
    if watch is None:
        raise ApplicationError.stale("There is no open watch for this child.")
    return watch


@staff_required
@require_POST
def watch_open(request: AuthedRequest, pk: int) -> HttpResponse:
    def run(patient: Patient, **data: Any) -> Any:
        return services.watch_open(actor=request.user, patient=patient, **data)

    return _change(request, pk, "open_form", WatchOpenForm, run, "Watch opened. It shows on the caseload.")


@staff_required
@require_POST
def watch_extend(request: AuthedRequest, pk: int) -> HttpResponse:
    def run(patient: Patient, **data: Any) -> Any:
        return services.watch_extend(actor=request.user, watch=_current(patient), **data)

    return _change(request, pk, "extend_form", WatchExtendForm, run, "Watch extended.")


@staff_required
@require_POST
def watch_end(request: AuthedRequest, pk: int) -> HttpResponse:
    def run(patient: Patient, **data: Any) -> Any:
        return services.watch_end(actor=request.user, watch=_current(patient), **data)

    return _change(request, pk, "end_form", WatchEndForm, run, "Watch ended.")
