from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from . import selectors, services
from .forms import AccessBasisFilterForm, BreakGlassReviewForm
from .models import AccessEvent


@staff_required
def break_glass_review_list(request: AuthedRequest) -> HttpResponse:
    if not roles.can_review_break_glass(request.user):
        own_grants = selectors.break_glass_grants_of(user=request.user)[:50]
        return render(request, "audit/break_glass_own.html", {"own_grants": own_grants})
    show_all = request.GET.get("show") == "all"
    grants = selectors.break_glass_grants_for_review(user=request.user, unreviewed_only=not show_all)
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    basis_form = AccessBasisFilterForm(request.GET or None)
    basis = AccessEvent.Basis.BREAK_GLASS
    if basis_form.is_valid() and basis_form.cleaned_data["basis"]:
        basis = basis_form.cleaned_data["basis"]
    reads = selectors.access_events_by_basis(user=request.user, basis=basis)
    reads_page = Paginator(reads, 50).get_page(request.GET.get("reads_page"))
    context = {
        "page": page,
        "show_all": show_all,
        "form": BreakGlassReviewForm(),
        "basis_form": basis_form,
        "basis_label": AccessEvent.Basis(basis).label,
        "reads_page": reads_page,
    }
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
