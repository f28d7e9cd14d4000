from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import access, selectors, services
from .forms import (
    CareTeamMemberForm,
    GuardianForm,
    ParentalResponsibilityForm,
    PatientForm,
    YoungPersonConsentForm,
)
from .models import YOUNG_PERSON_CONSENT_AGE
from .services import guardianship


@staff_required
def patient_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get_with_team(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="summary")
    context = {
        "patient": patient,
        "guardians": patient.guardians.all(),
        "invitations": selectors.open_invitations_of(patient=patient),
        "care_team": [m for m in patient.care_team.all() if m.is_current()],
        "past_care_team": [m for m in patient.care_team.all() if not m.is_current()],
        "via_break_glass": access.is_break_glass_access(request.user, patient),
        "can_manage": access.can_manage_care_team(request.user, patient),
        # From a year before 16 the page asks for the young person's consent to each family member's access.
        "asks_consent": patient.age_on(timezone.localdate()) >= YOUNG_PERSON_CONSENT_AGE - 1,
    }
    return render(request, "patients/patient_detail.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def patient_register(request: AuthedRequest) -> HttpResponse:
    if not roles.can_register_patient(request.user):
        messages.error(request, "Your role cannot register children.")
        return redirect("caseload:home")
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_register(actor=request.user, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{patient.full_name} has been registered.")
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/patient_form.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    if not access.can_edit_patient(request.user, patient):
        messages.error(request, "Your role cannot change this child's details.")
        return redirect("patients:detail", pk=patient.pk)
    initial = {field: getattr(patient, field) for field in PatientForm.base_fields}
    initial["nhs_number"] = patient.nhs_number_display
    form = PatientForm(request.POST or None, initial=initial)
    if request.method == "GET":
        access_record(request=request, patients=patient, what="demographics")
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.patient_update(actor=request.user, patient=patient, **changed)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The child's details have been saved.")
            return redirect("patients:detail", pk=patient.pk)
    context = {"form": form, "patient": patient}
    return render(request, "patients/patient_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def guardian_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _add_to_child(
        request,
        pk,
        GuardianForm,
        services.guardian_link,
        what="guardians",
        title="Add a guardian",
        done="The guardian has been added.",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def guardian_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    return _add_to_child(
        request,
        pk,
        GuardianForm,
        services.invitation_send,
        what="guardians",
        title="Invite a guardian",
        done=(
            "The invitation has been emailed. The link works once, for "
            f"{services.INVITATION_DAYS} days; they set a password and go straight to the portal."
        ),
        intro=(
            "We email them a link to set their password. The email has no clinical details. "
            "The link works once and stops working after a week."
        ),
        submit="Send invitation",
    )


@staff_required
@require_POST
def invitation_withdraw(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    invitation = get_object_or_404(selectors.open_invitations_of(patient=patient), pk=invitation_pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
    return redirect("patients:detail", pk=patient.pk)


@staff_required
@require_POST
def guardian_deactivate(request: AuthedRequest, pk: int, guardian_pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    guardian = get_object_or_404(selectors.guardians_of(patient=patient), pk=guardian_pk)
    try:
        services.guardian_deactivate(actor=request.user, guardian=guardian)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"{guardian.user.full_name} no longer has access to this child's record.")
    return redirect("patients:detail", pk=patient.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def care_team_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _add_to_child(
        request,
        pk,
        CareTeamMemberForm,
        services.care_team_member_add,
        what="care team",
        title="Add to the care team",
        done="The care team has been updated.",
    )


def _add_to_child(
    request: AuthedRequest,
    pk: int,
    form_class: type[forms.Form],
    service: Callable[..., object],
    *,
    what: str,
    title: str,
    done: str,
    intro: str = "",
    submit: str = "Save",
) -> HttpResponse:
    """A form that adds someone to a child (a guardian, a care-team member) through a service."""
    patient = selectors.patient_get(user=request.user, pk=pk)
    form = form_class(request.POST or None)
    if request.method == "GET":
        access_record(request=request, patients=patient, what=what)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("patients:detail", pk=patient.pk)
    context = {"form": form, "patient": patient, "title": title, "intro": intro, "submit": submit}
    return render(request, "patients/member_form.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def care_team_end(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    member = get_object_or_404(selectors.care_team_of(patient=patient), pk=member_pk)
    try:
        services.care_team_member_end(actor=request.user, member=member)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"{member.user.full_name} has left the care team.")
    return redirect("patients:detail", pk=patient.pk)


@staff_required
@require_POST
def guardian_parental_responsibility(request: AuthedRequest, pk: int, guardian_pk: int) -> HttpResponse:
    """Record a change in parental responsibility; losing it with no authorisation ends access (HAZ-10)."""
    patient = selectors.patient_get(user=request.user, pk=pk)
    guardian = get_object_or_404(selectors.guardians_of(patient=patient), pk=guardian_pk)
    form = ParentalResponsibilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the dates and try again.")
        return redirect("patients:detail", pk=patient.pk)
    try:
        guardian = guardianship.guardian_set_parental_responsibility(
            actor=request.user, guardian=guardian, **form.cleaned_data
        )
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        ended = "" if guardian.is_active else " Their portal access has ended."
        messages.success(request, f"Parental responsibility for {guardian.user.full_name} updated.{ended}")
    return redirect("patients:detail", pk=patient.pk)


@staff_required
@require_POST
def guardian_young_person_consent(request: AuthedRequest, pk: int, guardian_pk: int) -> HttpResponse:
    """Record the young person's consent to a family member's access (needed from 16)."""
    patient = selectors.patient_get(user=request.user, pk=pk)
    guardian = get_object_or_404(selectors.guardians_of(patient=patient), pk=guardian_pk)
    form = YoungPersonConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the date the young person consented.")
        return redirect("patients:detail", pk=patient.pk)
    try:
        guardianship.guardian_record_young_person_consent(
            actor=request.user, guardian=guardian, consent_on=form.cleaned_data["consent_on"]
        )
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(
            request, f"{patient.given_name}'s consent to {guardian.user.full_name}'s access is recorded."
        )
    return redirect("patients:detail", pk=patient.pk)
