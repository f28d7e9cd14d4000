"""Emergency plan pages: the staff tab (current plan, status, prepare, approve, history), the family's
approved plan, and both as PDFs (A4 and a wallet card). Every read writes an AccessEvent; every page
starts from a child the user may see (404 otherwise).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.decorators import family_required
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import ApplicationError, refuse_unless

from . import documents, selectors, services
from .models import EmergencyPlan, PlanVersion

# After the role check (403) a service can still refuse: bad input (400) or a stale draft (409).
REFUSED = (ValidationError, ApplicationError)


def _status(plan: EmergencyPlan | None, approved: PlanVersion | None, draft: PlanVersion | None) -> str:
    if plan is None or (approved is None and draft is None):
        return "none"
    if plan.needs_review:
        return "needs_review"
    return "draft" if draft is not None else "approved"


def _page(request: AuthedRequest, patient: Patient, *, status: int = 200, error: str = "") -> HttpResponse:
    plan = selectors.plan_of(patient)
    access_record(request=request, patients=patient, what="emergency plan")
    approved = selectors.approved_version(patient)
    draft = selectors.draft_version(plan) if plan else None
    context = {
        "patient": patient,
        "tab": "emergency_plan",
        "plan": plan,
        "status": _status(plan, approved, draft),
        "approved": selectors.plan_view(approved) if approved else None,
        "draft": selectors.plan_view(draft) if draft else None,
        "versions": list(selectors.versions_of(plan)) if plan else [],
        "can_prepare": services.can_prepare(request.user, patient),
        "can_approve": services.can_approve(request.user, patient),
        "consultant": selectors.plan_consultant(patient),
        "error": error,
    }
    return render(request, "emergency_plans/plan.html", context, status=status)


@staff_required
@require_GET
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, patient_get(user=request.user, pk=pk))


@staff_required
@require_POST
def prepare(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_prepare(request.user, patient), services.PREPARE_REFUSED)
    try:
        version = services.plan_prepare(
            actor=request.user, patient=patient, note=request.POST.get("note", "")
        )
    except REFUSED as exc:
        return _page(request, patient, status=400, error=_message(exc))
    messages.success(
        request,
        f"Draft version {version.number} prepared. A consultant approves it before the family sees it.",
    )
    return redirect("emergency_plans:plan", pk=pk)


@staff_required
@require_POST
def approve(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(services.can_approve(request.user, patient), services.APPROVE_REFUSED)
    try:
        number = int(request.POST.get("version", ""))
    except ValueError:
        return _page(request, patient, status=400, error="Choose the draft version to approve.")
    try:
        version = services.plan_approve(actor=request.user, patient=patient, number=number)
    except REFUSED as exc:
        return _page(request, patient, status=409, error=_message(exc))
    messages.success(request, f"Version {version.number} approved. The family now sees it in the portal.")
    return redirect("emergency_plans:plan", pk=pk)


def _message(exc: ValidationError | ApplicationError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return exc.message


def _staff_version(request: AuthedRequest, patient: Patient) -> PlanVersion:
    """The version a member of staff asked for (?version=n), else the draft, else the approved one."""
    plan = selectors.plan_of(patient)
    if plan is None:
        raise Http404
    versions = selectors.versions_of(plan)
    number = request.GET.get("version", "")
    if number:
        version = versions.filter(number=int(number)).first() if number.isdigit() else None
    else:
        version = selectors.draft_version(plan) or selectors.approved_version(patient)
    if version is None:
        raise Http404
    return version


@staff_required
@require_GET
def staff_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    version = _staff_version(request, patient)
    access_record(request=request, patients=patient, what="emergency plan PDF")
    return documents.plan_pdf_response(version, patient)


@staff_required
@require_GET
def staff_card(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    version = _staff_version(request, patient)
    access_record(request=request, patients=patient, what="emergency plan wallet card")
    return documents.card_pdf_response(version, patient)


@family_required
@require_GET
def family_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """The family's view: only the approved version, ever. While a new version is being reviewed the
    approved one stays, with one calm line saying the team is updating it and how to reach them."""
    patient = patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="portal emergency plan")
    approved = selectors.approved_version(patient)
    context = {
        "patient": patient,
        "view": selectors.plan_view(approved) if approved else None,
        "updating": bool(approved and approved.plan.needs_review),
    }
    return render(request, "emergency_plans/family_plan.html", context)


def _family_version(request: AuthedRequest, pk: int) -> tuple[Patient, PlanVersion]:
    patient = patient_get(user=request.user, pk=pk)
    approved = selectors.approved_version(patient)
    if approved is None:
        raise Http404
    return patient, approved


@family_required
@require_GET
def family_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    patient, version = _family_version(request, pk)
    access_record(request=request, patients=patient, what="portal emergency plan PDF")
    return documents.plan_pdf_response(version, patient)


@family_required
@require_GET
def family_card(request: AuthedRequest, pk: int) -> HttpResponse:
    patient, version = _family_version(request, pk)
    access_record(request=request, patients=patient, what="portal emergency plan wallet card")
    return documents.card_pdf_response(version, patient)
