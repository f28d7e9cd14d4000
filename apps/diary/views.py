"""Diary pages: the family's today form (with the previous days) and the staff strip.

Every page starts from a child the user may see (404 otherwise) and writes an AccessEvent.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.decorators import family_required
from apps.patients.selectors import patient_get
from carecoord import watch
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from . import selectors, services
from .forms import DiaryForm, initial_from
from .models import SYMPTOM_LABELS
from .strip import strip_draw

SAVED = "Thank you. Today's diary is saved. You can change it until midnight."


@family_required
@require_http_methods(["GET", "POST"])
def family_diary(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    today = services.diary_today()
    entry = selectors.entry_on(patient.pk, today)
    form = DiaryForm(request.POST or None, initial=initial_from(entry), child_name=patient.given_name)
    if request.method == "POST" and form.is_valid():
        try:
            services.diary_entry_save(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, SAVED)
            return redirect("diary:family", pk=patient.pk)
    access_record(request=request, patients=patient, what="portal diary")
    context = {
        "patient": patient,
        "today": today,
        "entry": entry,
        "form": form,
        "previous": selectors.recent_entries(patient.pk, today),
        "symptoms": SYMPTOM_LABELS,
    }
    return render(request, "diary/family.html", context, status=400 if form.errors else 200)


@staff_required
@require_GET
def staff_diary(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    today = services.diary_today()
    period = selectors.strip_period(patient.pk, today)
    access_record(request=request, patients=patient, what="family diary")
    context = {
        "patient": patient,
        "tab": "diary",
        "period": period,
        "strip": strip_draw(period),
        "watch": watch.active_watches([patient.pk], today).get(patient.pk),
    }
    return render(request, "diary/staff.html", context)
