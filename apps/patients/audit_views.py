"""A child's access log and the break-glass page.

They find the child through patients (scope, exact-number search) and read or write audit's rows, so
they live above both: audit itself does not import patients.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit import selectors as audit_selectors
from apps.audit import services as audit_services
from apps.audit.forms import AccessLogFilterForm, BreakGlassForm
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from .selectors import patient_find_for_break_glass, patient_get


@staff_required
def access_log(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who accessed this child's record, and when."""
    patient = patient_get(user=request.user, pk=pk)
    audit_services.access_record(request=request, patients=patient, what="access log")
    form = AccessLogFilterForm(request.GET or None)
    date_from = date_to = None
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    events = audit_selectors.access_events_for_patient(patient=patient, date_from=date_from, date_to=date_to)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/access_log.html", {"patient": patient, "form": form, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthedRequest) -> HttpResponse:
    """Open a record outside the care team, with a reason, for a limited time."""
    form = BreakGlassForm(request.POST or None, initial={"identifier": request.GET.get("identifier", "")})
    if request.method == "POST" and form.is_valid():
        patient = patient_find_for_break_glass(identifier=form.cleaned_data["identifier"])
        if patient is None:
            form.add_error(
                "identifier",
                "No child has this hospital or NHS number. Check the number and try again.",
            )
        else:
            try:
                audit_services.break_glass_open(
                    actor=request.user,
                    patient=patient,
                    category=form.cleaned_data["category"],
                    reason=form.cleaned_data["reason"],
                )
            except SERVICE_REFUSALS as exc:
                form_add_service_errors(form, exc)
            else:
                messages.warning(
                    request,
                    f"Break-glass access is open for {settings.BREAK_GLASS_HOURS} hours. It has been recorded.",
                )
                return redirect("patients:detail", pk=patient.pk)
    context = {"form": form, "hours": settings.BREAK_GLASS_HOURS}
    return render(request, "audit/break_glass.html", context, status=400 if form.errors else 200)
