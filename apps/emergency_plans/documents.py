"""The plan as PDFs, made on request from one version with the documents app's renderer (WeasyPrint,
no network): an A4 page to keep at home or give to school, and a two-sided wallet card."""

from django.http import HttpResponse
from django.utils import timezone

from apps.documents.generation import render_pdf
from apps.patients.models import Patient

from .models import PlanVersion
from .selectors import plan_view

PLAN_TEMPLATE = "documents/emergency_plans/plan.html"
CARD_TEMPLATE = "documents/emergency_plans/wallet_card.html"


def _context(version: PlanVersion, patient: Patient) -> dict[str, object]:
    return {
        "view": plan_view(version),
        "patient": patient,
        "version": version.number,
        "title": f"If {patient.given_name} becomes unwell",
        "dated": timezone.localdate(),
    }


def plan_pdf(version: PlanVersion, patient: Patient) -> bytes:
    return render_pdf(template=PLAN_TEMPLATE, context=_context(version, patient))


def card_pdf(version: PlanVersion, patient: Patient) -> bytes:
    return render_pdf(template=CARD_TEMPLATE, context=_context(version, patient))


def _response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # a child's plan: not kept by shared caches
    return response


def plan_pdf_response(version: PlanVersion, patient: Patient) -> HttpResponse:
    return _response(plan_pdf(version, patient), f"emergency-plan-v{version.number}.pdf")


def card_pdf_response(version: PlanVersion, patient: Patient) -> HttpResponse:
    return _response(card_pdf(version, patient), f"emergency-wallet-card-v{version.number}.pdf")
