"""Staff record their own time away (HAZ-14). Clinic administrators record anyone's in the admin."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages
from carecoord.forms import DateInput

from .absence import absence_record, absence_withdraw
from .decorators import staff_required
from .models import StaffAbsence
from .types import AuthedRequest


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label="First day away", widget=DateInput)
    ends_on = forms.DateField(label="Last day away", widget=DateInput)
    reason = forms.ChoiceField(label="Reason", choices=StaffAbsence.Reason.choices)


@staff_required
@require_http_methods(["GET", "POST"])
def my_absence(request: AuthedRequest) -> HttpResponse:
    form = AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            absence_record(actor=request.user, user=request.user, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Your time away is recorded. While you are away, your work goes to your team's queue.",
            )
            return redirect("accounts:absence")
    absences = StaffAbsence.objects.filter(
        user=request.user, withdrawn_at__isnull=True, ends_on__gte=timezone.localdate()
    ).order_by("starts_on")
    context = {"form": form, "absences": absences}
    return render(request, "accounts/absence.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def absence_withdraw_view(request: AuthedRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(StaffAbsence.objects.filter(user=request.user), pk=pk)
    try:
        absence_withdraw(actor=request.user, absence=absence)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, "Welcome back: your work comes to you again.")
    return redirect("accounts:absence")
