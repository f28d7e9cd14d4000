"""Consent on the child's record (staff), and the research export page (the research lead only).

The consent page starts from a child the user may see (404 otherwise) and writes an AccessEvent; a
change is refused (403) before its form is read for anyone who may not record consent. The export
pages are about no one child: anyone but the research lead is refused (403; families are not staff,
404), and an export is downloadable only by the person who asked for it (anyone else: 404).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refuse_unless

from . import consent as consent_services
from . import export as export_services
from .forms import ConsentForm, ExportForm, WithdrawForm
from .models import Consent, ResearchExport


def _consent_page(
    request: AuthedRequest, patient: Patient, *, status: int = 200, **bound: Any
) -> HttpResponse:
    consents = list(consent_services.consents_of(patient))
    access_record(request=request, patients=patient, what="consent")
    today = timezone.localdate()
    current = consent_services.current_consents(consents)
    context = {
        "patient": patient,
        "tab": "consent",
        "can_edit": consent_services.can_record_consent(request.user, patient),
        "current": [(c, consent_services.is_in_force(c, today)) for c in current],
        "history": consents,
        "form": bound.get("form") or ConsentForm(patient=patient, initial={"period_start": today}),
        "withdraw_form": bound.get("withdraw_form") or WithdrawForm(initial={"withdrawn_on": today}),
        "withdraw_for": bound.get("withdraw_for"),
    }
    return render(request, "research/consent.html", context, status=status)


@staff_required
@require_GET
def consent_page(request: AuthedRequest, pk: int) -> HttpResponse:
    return _consent_page(request, patient_get(user=request.user, pk=pk))


@staff_required
@require_POST
def consent_record(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    refuse_unless(
        consent_services.can_record_consent(request.user, patient), consent_services.CONSENT_REFUSAL
    )
    form = ConsentForm(request.POST, patient=patient)
    if form.is_valid():
        try:
            consent_services.consent_record(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("research:consent", pk=pk)
    return _consent_page(request, patient, status=400, form=form)


@staff_required
@require_POST
def consent_withdraw(request: AuthedRequest, pk: int, consent_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    consent = get_object_or_404(Consent.objects.select_related("patient"), pk=consent_pk, patient=patient)
    refuse_unless(
        consent_services.can_record_consent(request.user, patient), consent_services.CONSENT_REFUSAL
    )
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            consent_services.consent_withdraw(actor=request.user, consent=consent, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Withdrawal recorded. No later export will include this child for it.")
            return redirect("research:consent", pk=pk)
    return _consent_page(request, patient, status=400, withdraw_form=form, withdraw_for=consent.pk)


def _exports_page(request: AuthedRequest, form: ExportForm, status: int = 200) -> HttpResponse:
    mine = ResearchExport.objects.filter(requested_by=request.user).select_related("scope")[:20]
    rows: list[dict[str, Any]] = [
        {"export": e, "expired": e.status == ResearchExport.Status.DONE and export_services.is_expired(e)}
        for e in mine
    ]
    context = {
        "form": form,
        "rows": rows,
        "minimum": settings.RESEARCH_MIN_CELL,
        "date_method": export_services.DATE_METHOD,
    }
    return render(request, "research/exports.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def exports(request: AuthedRequest) -> HttpResponse:
    refuse_unless(export_services.can_run_export(request.user), export_services.EXPORT_REFUSAL)
    if request.method != "POST":
        return _exports_page(request, ExportForm())
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            export_services.export_request(actor=request.user, scope_code=form.cleaned_data["scope"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, "Export requested. It will be ready to download here in a minute or two."
            )
            return redirect("research:exports")
    return _exports_page(request, form, status=400)


@staff_required
@require_GET
def export_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    refuse_unless(export_services.can_run_export(request.user), export_services.EXPORT_REFUSAL)
    export = export_services.downloadable_export(user=request.user, pk=pk)
    if export is None:
        raise Http404
    if export_services.is_expired(export):
        return render(request, "research/expired.html", {"export": export}, status=410)
    handle = export_services.export_open(actor=request.user, export=export)
    name = f"carecoord-research-{export.scope.code}-{export.pk}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
