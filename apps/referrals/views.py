"""Referral pages. Thin: services move referrals, selectors decide what each person sees."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.models import Team, User
from apps.accounts.security.throttles import rate_limited
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.selectors import patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import permissions, selectors, services
from .forms import ExternalReferralForm, NoteForm, ReasonForm, ReferralForm
from .models import Referral
from .services.intake import REJECT_REASON_MAX

Status = Referral.Status


@dataclass(frozen=True)
class Action:
    """One move the page can offer: its button, its form, and the service that makes it.

    ``run`` is called as ``run(actor=..., referral=..., expected=..., **form.cleaned_data)``.
    """

    label: str
    form: type[forms.Form]
    run: Callable[..., Referral]
    to_status: str
    primary: bool = False

    def allowed_from(self, status: str) -> bool:
        return services.REFERRAL.can(status, self.to_status)


# In the order the page offers them; the first offered primary action is the one big button.
ACTIONS: dict[str, Action] = {
    "accept": Action("Accept", NoteForm, services.referral_accept, Status.ACCEPTED, primary=True),
    "decline": Action("Decline", ReasonForm, services.referral_decline, Status.DECLINED),
    "seen": Action("Mark as seen", NoteForm, services.referral_mark_seen, Status.SEEN, primary=True),
    "complete": Action("Complete", NoteForm, services.referral_complete, Status.COMPLETED, primary=True),
    "book": Action("Mark as booked", NoteForm, services.referral_book, Status.BOOKED, primary=True),
    "cancel": Action("Cancel referral", ReasonForm, services.referral_cancel, Status.CANCELLED),
}


def _role_may(user: User, referral: Referral, key: str) -> bool:
    if key == "cancel":
        return permissions.can_cancel_referral(user, referral)
    return permissions.can_triage(user, referral)


def _available_actions(user: User, referral: Referral) -> list[tuple[str, Action, forms.Form, bool]]:
    """The moves this user can make now, each with its form and whether it is the primary button."""
    available = []
    primary_taken = False
    for key, action in ACTIONS.items():
        if not action.allowed_from(referral.status) or not _role_may(user, referral, key):
            continue
        primary = action.primary and not primary_taken
        primary_taken = primary_taken or primary
        available.append((key, action, action.form(prefix=key), primary))
    return available


@staff_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    my_teams = Team.objects.filter(pk__in=roles.team_ids(request.user))
    team_id = request.GET.get("team")
    selected = int(team_id) if team_id and team_id.isdigit() else None
    status = request.GET.get("status", "open")
    sort = request.GET.get("sort", "")
    if sort not in selectors.INBOX_SORTS:
        sort = "urgency"
    referrals = selectors.team_inbox(
        user=request.user, team_id=selected, status="" if status == "all" else status, sort=sort
    )
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    rows = selectors.referral_rows(page.object_list)
    access_record(request=request, patients=[r.referral.patient for r in rows], what="referral inbox")
    context = {
        "rows": rows,
        "page": page,
        "teams": my_teams,
        "team": selected,
        "status": status,
        "sort": sort,
        "sorts": selectors.INBOX_SORTS,
        "tab": "inbox",
    }
    return render(request, "referrals/inbox.html", context)


@staff_required
@require_GET
def sent(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.sent_by(user=request.user), 50).get_page(request.GET.get("page"))
    rows = selectors.referral_rows(page.object_list)
    access_record(request=request, patients=[r.referral.patient for r in rows], what="referrals sent")
    return render(request, "referrals/sent.html", {"rows": rows, "page": page, "tab": "sent"})


def _detail_context(request: AuthedRequest, referral: Referral) -> dict:
    return {
        "row": selectors.referral_rows([referral])[0],
        "referral": referral,
        "events": referral.events.select_related("actor"),
        "attachments": referral.attachments.all(),
        "actions": _available_actions(request.user, referral),
        "can_see_record": access.can_see(request.user, referral.patient_id),
    }


@staff_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get(user=request.user, pk=pk)
    access_record(request=request, patients=referral.patient, what="referral")
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@staff_required
@require_POST
def act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    referral = selectors.referral_get(user=request.user, pk=pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    # Before the form: a role refusal is 403 whatever was posted.
    services.referral_check_role(actor=request.user, referral=referral, to=spec.to_status)
    form = spec.form(request.POST, prefix=action)
    error = ""
    if form.is_valid():
        try:
            referral = spec.run(
                actor=request.user,
                referral=referral,
                expected=request.POST.get("expected_status") or None,  # the service refuses a stale one
                **form.cleaned_data,
            )
        except SERVICE_REFUSALS as exc:
            error = " ".join(refusal_messages(exc))
        else:
            messages.success(request, f"Referral {Status(referral.status).label.lower()}.")
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if error:
        messages.error(request, error)
    referral = selectors.referral_get(user=request.user, pk=pk)
    if request.htmx:
        access_record(request=request, patients=referral.patient, what="referral")
        return render(
            request,
            "referrals/_detail_body.html",
            _detail_context(request, referral),
            status=400 if error else 200,
        )
    return redirect("referrals:detail", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest, patient_pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=patient_pk)
    form = ReferralForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        access_record(request=request, patients=patient, what="referral form")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=request.user,
                patient=patient,
                target_team=data["target_team"],
                reason=data["reason"],
                urgency=data["urgency"],
                letters=[data["letter"]] if data.get("letter") else [],
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Referral sent to {referral.target_team}.")
            return redirect("referrals:detail", pk=referral.pk)
    context = {"form": form, "patient": patient}
    return render(request, "referrals/form.html", context, status=400 if form.errors else 200)


@staff_required
@rate_limited("intake")
@require_http_methods(["GET", "POST"])
def external(request: AuthedRequest) -> HttpResponse:
    if not roles.can_register_patient(request.user):
        raise Http404
    form = ExternalReferralForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_receive_external(actor=request.user, **form.intake())
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            if not permissions.is_records_role(request.user):
                # The same answer whether the child was new, matched, or matched with another birth date.
                messages.success(request, f"{services.RECEIPT_MESSAGE} Reference: {referral.pk}.")
                return redirect("referrals:external")
            waiting = referral.identity_status == Referral.Identity.PENDING
            messages.success(
                request,
                f"Referral recorded for {form.cleaned_data['given_name']} {form.cleaned_data['family_name']}"
                + (
                    " and waiting in the identity queue."
                    if waiting
                    else f" and sent to {referral.target_team}."
                ),
            )
            if selectors.referrals_visible_to(request.user).filter(pk=referral.pk).exists():
                return redirect("referrals:detail", pk=referral.pk)
            return redirect("referrals:external")  # recorded for a team the recorder is not on
    return render(request, "referrals/external.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_GET
def identity_queue(request: AuthedRequest) -> HttpResponse:
    """Referrals from outside waiting for someone who looks after the child, or the records team,
    to say whether they are about the matched child."""
    page = Paginator(selectors.identity_queue(user=request.user), 25).get_page(request.GET.get("page"))
    rows = [(r, selectors.identity_differences(r)) for r in page.object_list]
    access_record(
        request=request,
        patients=[r.patient for r in page.object_list],
        what="identity queue",
        basis=access.ADMIN,
    )
    context = {
        "page": page,
        "rows": rows,
        "tab": "identity",
        "reject_form": ReasonForm(prefix="reject"),
        "reject_reason_max": REJECT_REASON_MAX,
    }
    return render(request, "referrals/identity_queue.html", context)


@staff_required
@require_POST
def identity_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    referral = selectors.identity_queue_get(user=request.user, pk=pk)
    if decision not in ("confirm", "reject"):
        raise Http404
    form = ReasonForm(request.POST, prefix="reject")
    try:
        if decision == "confirm":
            services.referral_confirm_identity(actor=request.user, referral=referral)
            messages.success(request, f"Confirmed. The referral is now in {referral.target_team}'s inbox.")
        elif form.is_valid():
            services.referral_reject_identity(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "Marked as not this child. The referral is closed.")
        else:
            messages.error(request, "Say why this referral is not about this child.")
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    return redirect("referrals:identity_queue")


@staff_required
@require_GET
def attachment(request: AuthedRequest, pk: int, attachment_pk: int) -> FileResponse:
    referral = selectors.referral_get(user=request.user, pk=pk)
    letter = get_object_or_404(referral.attachments, pk=attachment_pk)
    access_record(request=request, patients=referral.patient, what="referral letter")
    return FileResponse(
        letter.file.open("rb"),
        as_attachment=True,
        filename=letter.original_name,
        content_type=letter.content_type,
    )
