"""Neuropsychology pages for staff: the child's assessments (chart and table), recording one, the
school and its support, and the school-support letter (draft, edit, release). Every page that shows
the child writes an AccessEvent; the family downloads a released letter from their documents."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages, refuse_unless

from . import letters, selectors, services
from .chart import domains_chart_svg
from .forms import AssessmentForm, LetterForm, SchoolSupportForm
from .models import Band, SchoolSupport


def staff_people() -> Any:
    return selectors.staff_choices()


def _support_initial(support: SchoolSupport | None) -> dict[str, Any] | None:
    if support is None:
        return None
    fields = ("school", "contact_name", "contact_email", "contact_phone", "status", "status_since")
    initial = {f: getattr(support, f) for f in fields}
    initial.update(ehcp_requested_on=support.ehcp_requested_on, ehcp_in_place_on=support.ehcp_in_place_on)
    return initial


def _page(
    request: AuthedRequest,
    patient: Patient,
    *,
    form: AssessmentForm | None = None,
    support_form: SchoolSupportForm | None = None,
) -> dict[str, Any]:
    assessments = list(selectors.assessments_of(patient=patient))
    rows = selectors.results_by_domain(assessments)
    support = selectors.school_support_of(patient=patient)
    user = request.user
    return {
        "patient": patient,
        "assessments": assessments,
        "domain_rows": rows,
        "bands": Band.choices,
        "chart_svg": mark_safe(domains_chart_svg(rows)),  # built with ElementTree: escaped
        "can_record": services.can_record_assessment(user, patient),
        "can_keep": services.can_keep_school_support(user, patient),
        "form": form or AssessmentForm(people=staff_people(), initial={"assessed_by": user}),
        "support": support,
        "support_history": selectors.school_support_history(support=support),
        "support_form": support_form or SchoolSupportForm(initial=_support_initial(support)),
        "letters": list(selectors.letters_of(patient=patient)),
        "via_break_glass": access.is_break_glass_access(user, patient),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def neuropsych_page(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    form = None
    if request.method == "POST":
        refuse_unless(services.can_record_assessment(request.user, patient), services.ASSESSORS_ONLY)
        form = AssessmentForm(request.POST, people=staff_people())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.assessment_record(
                    actor=request.user,
                    patient=patient,
                    assessed_on=data["assessed_on"],
                    assessed_by=data["assessed_by"],
                    results=[services.ResultSpec(d, b, n) for d, b, n in form.result_rows()],
                    recommendations=data["recommendations"],
                )
            except SERVICE_REFUSALS as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request, "The assessment is recorded. Any re-evaluation that was due is complete."
                )
                return redirect("neuropsych:page", pk=patient.pk)
    access_record(request=request, patients=patient, what="neuropsychology")
    status = 400 if form is not None and form.errors else 200
    return render(request, "neuropsych/page.html", _page(request, patient, form=form), status=status)


@staff_required
@require_POST
def school_support(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_keep_school_support(request.user, patient), services.CLINICIANS_ONLY)
    form = SchoolSupportForm(request.POST)
    if form.is_valid():
        try:
            services.school_support_update(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "School and support saved.")
            return redirect("neuropsych:page", pk=patient.pk)
    access_record(request=request, patients=patient, what="neuropsychology")
    return render(request, "neuropsych/page.html", _page(request, patient, support_form=form), status=400)


@staff_required
@require_POST
def letter_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_keep_school_support(request.user, patient), services.CLINICIANS_ONLY)
    try:
        letter = letters.school_letter_draft(actor=request.user, patient=patient)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
        return redirect("neuropsych:page", pk=patient.pk)
    messages.success(request, "A draft letter is ready. Read it, edit the text if needed, then release it.")
    return redirect("neuropsych:letter", pk=patient.pk, letter_pk=letter.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def letter_detail(request: AuthedRequest, pk: int, letter_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    letter = selectors.letter_get(patient=patient, pk=letter_pk)
    form = LetterForm(request.POST or None, initial={"body": letter.body})
    if request.method == "POST":
        refuse_unless(services.can_keep_school_support(request.user, patient), services.CLINICIANS_ONLY)
        if form.is_valid():
            try:
                letters.school_letter_edit(actor=request.user, letter=letter, body=form.cleaned_data["body"])
            except SERVICE_REFUSALS as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "Saved as a new version of the letter. Check it, then release it.")
                return redirect("neuropsych:letter", pk=patient.pk, letter_pk=letter.pk)
    access_record(request=request, patients=patient, what="school letter")
    context = {
        "patient": patient,
        "letter": letter,
        "form": form,
        "can_keep": services.can_keep_school_support(request.user, patient),
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }
    return render(request, "neuropsych/letter.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def letter_release(request: AuthedRequest, pk: int, letter_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    letter = selectors.letter_get(patient=patient, pk=letter_pk)
    refuse_unless(services.can_keep_school_support(request.user, patient), services.CLINICIANS_ONLY)
    try:
        letters.school_letter_release(actor=request.user, letter=letter)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, "The letter is in the family's documents. They have been told.")
    return redirect("neuropsych:letter", pk=patient.pk, letter_pk=letter.pk)
