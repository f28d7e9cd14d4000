"""Transition pages: the staff plan page with its forms, and the family's read-only view.

Every page starts from a child the user may see (404 otherwise) and writes an AccessEvent. A change
is refused with 403 before its form is read for anyone outside the child's care team.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.decorators import family_required
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from . import selectors, services
from .forms import JointAppointmentForm, PlanForm, ReadinessForm, TransferForm
from .models import TransitionPlan


def _forms(patient: Patient, plan: TransitionPlan | None, **bound: forms.Form) -> dict[str, Any]:
    if plan is None:
        return {}
    initial = {
        "named_worker": plan.named_worker,
        "adult_team": plan.adult_team,
        "adult_hospital": plan.adult_hospital,
        "target_transfer_on": plan.target_transfer_on,
    }
    return {
        "plan_form": bound.get("plan_form") or PlanForm(patient=patient, initial=initial),
        "appointment_form": bound.get("appointment_form")
        or JointAppointmentForm(patient=patient, initial={"appointment": plan.joint_appointment}),
        "transfer_form": bound.get("transfer_form")
        or TransferForm(initial={"transferred_on": timezone.localdate()}),
    }


def _page(
    request: AuthedRequest, patient: Patient, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    plan = selectors.plan_of(patient)
    access_record(request=request, patients=patient, what="transition plan")
    context = {
        "patient": patient,
        "plan": plan,
        "tab": "transition",
        "can_edit": services.can_edit_plan(request.user, patient),
        "from_age": settings.TRANSITION_PLAN_FROM_AGE,
        "checklist": selectors.checklist(plan) if plan else [],
        "milestones": selectors.milestone_rows(plan) if plan else [],
        "readiness_form": ReadinessForm(),
        **_forms(patient, plan, **bound),
    }
    return render(request, "transition/plan.html", context, status=status)


@staff_required
@require_GET
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, patient_get(user=request.user, pk=pk))


def _change(
    request: AuthedRequest, pk: int, slot: str, form: forms.Form, run: Callable[..., Any], done: str
) -> HttpResponse:
    """Validate ``form``, call ``run(**cleaned_data)``; a refusal re-shows the page with the form's errors."""
    if form.is_valid():
        try:
            run(**form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("transition:plan", pk=pk)
    patient = patient_get(user=request.user, pk=pk)
    return _page(request, patient, status=400, **{slot: form})


def _editable(request: AuthedRequest, pk: int) -> tuple[Patient, TransitionPlan]:
    patient = patient_get(user=request.user, pk=pk)
    return patient, services.editable_plan_get(user=request.user, patient=patient)


@staff_required
@require_POST
def plan_open(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    services.plan_open(actor=request.user, patient=patient, opened_on=timezone.localdate())
    messages.success(
        request, "Transition plan opened. Its first task is on the named worker's or named nurse's list."
    )
    return redirect("transition:plan", pk=pk)


@staff_required
@require_POST
def plan_update(request: AuthedRequest, pk: int) -> HttpResponse:
    patient, plan = _editable(request, pk)
    form = PlanForm(request.POST, patient=patient)
    run = partial(services.plan_update, actor=request.user, plan=plan)
    return _change(request, pk, "plan_form", form, run, "Transition plan saved.")


@staff_required
@require_POST
def readiness(request: AuthedRequest, pk: int) -> HttpResponse:
    _, plan = _editable(request, pk)
    form = ReadinessForm(request.POST)
    run = partial(services.readiness_record, actor=request.user, plan=plan)
    return _change(request, pk, "readiness_form", form, run, "Checklist updated.")


@staff_required
@require_POST
def joint_appointment(request: AuthedRequest, pk: int) -> HttpResponse:
    patient, plan = _editable(request, pk)
    form = JointAppointmentForm(request.POST, patient=patient)
    run = partial(services.joint_appointment_set, actor=request.user, plan=plan)
    return _change(request, pk, "appointment_form", form, run, "Joint appointment saved.")


@staff_required
@require_POST
def transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    _, plan = _editable(request, pk)
    form = TransferForm(request.POST)
    run = partial(services.plan_transfer, actor=request.user, plan=plan)
    done = (
        "Transfer recorded. The tracks are discharged, and follow-up tasks will fall due at the milestones."
    )
    return _change(request, pk, "transfer_form", form, run, done)


@family_required
@require_GET
def family_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """The family's (and the young person's own) view: who helps, where to, when, and the checklist."""
    patient = patient_get(user=request.user, pk=pk)
    plan = selectors.plan_of(patient)
    access_record(request=request, patients=patient, what="portal transition plan")
    context = {"patient": patient, "plan": plan, "checklist": selectors.checklist(plan) if plan else []}
    return render(request, "transition/family_plan.html", context)
