from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.patients import access
from apps.patients.selectors import patient_find_for_break_glass, patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import selectors, services
from .forms import AccessLogFilterForm, BreakGlassForm, BreakGlassReviewForm


@staff_required
def access_log(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who accessed this child's record, and when."""
    patient = patient_get(user=request.user, pk=pk)
    services.access_record(request=request, patients=patient, what="access log")
    form = AccessLogFilterForm(request.GET or None)
    date_from = date_to = None
    if form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    events = selectors.access_events_for_patient(patient=patient, date_from=date_from, date_to=date_to)
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
                services.break_glass_open(
                    actor=request.user, patient=patient, reason=form.cleaned_data["reason"]
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


@staff_required
def break_glass_review_list(request: AuthedRequest) -> HttpResponse:
    if not access.can_review_break_glass(request.user):
        own_grants = selectors.break_glass_grants_of(user=request.user)[:50]
        return render(request, "audit/break_glass_own.html", {"own_grants": own_grants})
    show_all = request.GET.get("show") == "all"
    grants = selectors.break_glass_grants_for_review(user=request.user, unreviewed_only=not show_all)
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    context = {"page": page, "show_all": show_all, "form": BreakGlassReviewForm()}
    return render(request, "audit/break_glass_review.html", context)


@staff_required
@require_POST
def break_glass_review(request: AuthedRequest, grant_pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.break_glass_grants_for_review(user=request.user), pk=grant_pk)
    form = BreakGlassReviewForm(request.POST)
    form.is_valid()
    try:
        services.break_glass_review(actor=request.user, grant=grant, note=form.cleaned_data.get("note", ""))
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, "Marked as reviewed.")
    return redirect("audit:break_glass_review_list")
