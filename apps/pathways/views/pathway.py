"""The pathway review page, its timeline partial, and the one POST endpoint for its forms."""

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.models import Patient
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refuse_unless

from .. import selectors
from ..models import Specialty
from ..timeline import timeline_view
from .actions import ACTIONS, Action, FormSlot, action_object, slot
from .page import page_context


def _specialty(request: AuthedRequest) -> str:
    specialty = request.GET.get("specialty", "")
    return specialty if specialty in Specialty.values else ""


@staff_required
@require_GET
def pathway_review(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    specialty = _specialty(request)
    access_record(request=request, patients=patient, what="pathway")
    return render(request, "pathways/review.html", page_context(request, patient, specialty))


@staff_required
@require_GET
def pathway_timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    specialty = _specialty(request)
    access_record(request=request, patients=patient, what="timeline")
    context = {
        "patient": patient,
        "timeline": timeline_view(patient, specialty=specialty),
        "specialty": specialty,
        "specialties": Specialty.choices,
    }
    return render(request, "pathways/_timeline.html", context)


def _run(request: AuthedRequest, patient: Patient, action: Action, form_slot: FormSlot, obj: Any) -> bool:
    """Call the action's service with the valid form; a refusal is shown on the form instead."""
    refuse_unless(action.allowed(request.user))
    if not form_slot.form.is_valid():
        return False
    try:
        action.run(request.user, patient, form_slot.form, obj)
    except SERVICE_REFUSALS as exc:
        form_add_service_errors(form_slot.form, exc)
        return False
    return True


def _saved(request: AuthedRequest, patient: Patient, action: Action) -> HttpResponse:
    if not request.htmx:
        return redirect(reverse("pathways:review", args=[patient.pk]))
    access_record(request=request, patients=patient, what="pathway")
    context = {**page_context(request, patient), "saved_message": action.message}
    response = render(request, "pathways/_body.html", context)
    return reswap(retarget(response, "#pathway-body"), "outerHTML")


def _without_slot(value: Any, key: str) -> Any:
    """``value`` with the slot named ``key`` left out (None), in the page's lists and row tuples."""
    if isinstance(value, FormSlot):
        return None if value.key == key else value
    if isinstance(value, list):  # the panel drops the slot; a list of rows keeps every row
        return [item for item in (_without_slot(v, key) for v in value) if item is not None]
    if isinstance(value, tuple):
        return tuple(_without_slot(item, key) for item in value)
    return value


def _refused(request: AuthedRequest, patient: Patient, form_slot: FormSlot) -> HttpResponse:
    if request.htmx:
        return render(request, "pathways/_action_form.html", {"slot": form_slot}, status=400)
    access_record(request=request, patients=patient, what="pathway")
    # Sent without htmx: the page comes back with the refused form (and its error summary) at the top,
    # and its blank twin left out below, so every id on the page stays unique.
    context = {
        key: _without_slot(value, form_slot.key) for key, value in page_context(request, patient).items()
    }
    context["failed_slot"] = form_slot
    return render(request, "pathways/review.html", context, status=400)


@staff_required
@require_POST
def pathway_action(request: AuthedRequest, pk: int, action: str, obj_pk: int | None = None) -> HttpResponse:
    patient = selectors.pathway_patient_get(user=request.user, pk=pk)
    spec = ACTIONS.get(action)
    if spec is None or (spec.model is None) != (obj_pk is None):
        raise Http404
    obj = action_object(spec, patient, obj_pk)
    form_slot = slot(patient, action, request.POST, obj=obj)
    if _run(request, patient, spec, form_slot, obj):
        return _saved(request, patient, spec)
    return _refused(request, patient, form_slot)
