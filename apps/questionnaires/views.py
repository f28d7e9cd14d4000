"""Questionnaire pages: the staff tab (responses, scores, assigning) and the family's answer pages.

Every page starts from a child the user may see (404 otherwise) and writes an AccessEvent; an
assignment or response of another child is a 404 too.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.decorators import family_required
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refuse_unless

from . import selectors, services
from .forms import AnswerForm, AssignForm


def _staff_page(
    request: AuthedRequest, patient: Patient, form: AssignForm, status: int = 200
) -> HttpResponse:
    access_record(request=request, patients=patient, what="questionnaire responses")
    responses = list(selectors.responses_of(patient))
    context = {
        "patient": patient,
        "tab": "questionnaires",
        "responses": responses,
        "waiting": selectors.open_assignments_of(patient),
        "can_assign": services.can_assign(request.user, patient),
        "form": form,
    }
    return render(request, "questionnaires/staff_list.html", context, status=status)


@staff_required
@require_GET
def staff_list(request: AuthedRequest, pk: int) -> HttpResponse:
    return _staff_page(request, patient_get(user=request.user, pk=pk), AssignForm())


@staff_required
@require_POST
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_assign(request.user, patient), services.CARE_TEAM_ONLY)  # 403 before the form
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_create(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Questionnaire sent. The family has been reminded.")
            return redirect("questionnaires:staff_list", pk=pk)
    return _staff_page(request, patient, form, status=400)


@staff_required
@require_GET
def staff_response(request: AuthedRequest, pk: int, response_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    response = selectors.response_get(patient, response_pk)
    access_record(request=request, patients=patient, what="questionnaire response")
    context = {
        "patient": patient,
        "tab": "questionnaires",
        "response": response,
        "rows": selectors.answer_rows(response),
        "threshold": response.version.questionnaire.change_threshold,
    }
    return render(request, "questionnaires/staff_response.html", context)


@family_required
@require_GET
def family_list(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="portal questionnaires")
    assignments = list(selectors.assignments_of(patient))
    context = {
        "patient": patient,
        "waiting": [a for a in assignments if not hasattr(a, "response")],
        "answered": [a for a in assignments if hasattr(a, "response")][::-1][:10],
    }
    return render(request, "questionnaires/family_list.html", context)


@family_required
@require_http_methods(["GET", "POST"])
def family_answer(request: AuthedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    assignment = selectors.assignment_get(patient, assignment_pk)
    form = AnswerForm(request.POST or None, assignment=assignment)
    if request.method == "POST" and not hasattr(assignment, "response") and form.is_valid():
        try:
            services.response_submit(actor=request.user, assignment=assignment, answers=form.answers())
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Thank you. Your answers have been sent to {patient.given_name}'s team."
            )
            return redirect(reverse("questionnaires:family_answer", args=[pk, assignment_pk]))
    elif request.method == "POST" and hasattr(assignment, "response"):
        return redirect(reverse("questionnaires:family_answer", args=[pk, assignment_pk]))
    access_record(request=request, patients=patient, what="portal questionnaire")
    context = {"patient": patient, "assignment": assignment, "form": form}
    return render(request, "questionnaires/family_answer.html", context, status=400 if form.errors else 200)
