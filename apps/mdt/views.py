"""MDT pages for staff: the meetings, one meeting's list, the shared screen, and one child's listing with
its outcome. Each page that shows a child writes an AccessEvent for that child."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.pathways.chart import summary_chart_svg
from apps.patients import access
from carecoord.errors import (
    ApplicationError,
    form_add_service_errors,
    refusal_messages,
    refuse_unless,
)

from . import release, selectors, services
from .forms import AttendanceForm, CarryOverForm, FamilyWordingForm, ItemForm, MeetingForm, OutcomeForm
from .models import Item, Meeting

# A role refusal is not caught: it becomes the 403 page.
FORM_REFUSALS = (ValidationError, ApplicationError)


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_list(request: AuthedRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, initial={"chair": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(actor=request.user, **form.cleaned_data)
        except FORM_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{meeting} is scheduled.")
            return redirect("mdt:meeting", pk=meeting.pk)
    context = {"meetings": selectors.upcoming_meetings(request.user), "form": form}
    return render(request, "mdt/meeting_list.html", context, status=400 if form.errors else 200)


def _list_context(request: AuthedRequest, meeting: Meeting) -> dict:
    items = selectors.items_of(user=request.user, meeting=meeting)
    access_record(request=request, patients=[i.patient for i in items], what="mdt meeting list")
    return {
        "meeting": meeting,
        "items": items,
        "hidden_count": selectors.hidden_item_count(user=request.user, meeting=meeting),
        "is_chair": services.is_chair(request.user, meeting),
    }


@staff_required
@require_GET
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    context = _list_context(request, meeting)
    context["caseload"] = access.caseload_patients(request.user).exclude(mdt_items__meeting=meeting)
    context["attendees"] = selectors.attendees_of(meeting)
    context["attendance_form"] = AttendanceForm(initial={"present": [a.user for a in context["attendees"]]})
    return render(request, "mdt/meeting_detail.html", context)


@staff_required
@require_POST
def meeting_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.attendance_record(
                actor=request.user, meeting=meeting, present=list(form.cleaned_data["present"])
            )
        except FORM_REFUSALS as exc:
            messages.error(request, " ".join(refusal_messages(exc)))
        else:
            messages.success(request, "Attendance recorded.")
    return redirect("mdt:meeting", pk=meeting.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def item_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """List a child: pick the child (GET ?patient=), then the question and the material to look at."""
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    chosen_pk = request.POST.get("patient") or request.GET.get("patient")
    chosen = None
    if chosen_pk:
        chosen = get_object_or_404(
            access.visible_patients(request.user), pk=chosen_pk if chosen_pk.isdigit() else 0
        )
        refuse_unless(services.can_list_child(request.user, chosen), services.CARE_TEAM_ONLY)
        access_record(request=request, patients=chosen, what="mdt listing")
    form = ItemForm(request.POST or None, patients=access.visible_patients(request.user), chosen=chosen)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_add(
                actor=request.user,
                meeting=meeting,
                patient=data["patient"],
                question=data["question"],
                scores=list(data.get("scores") or []),
                investigations=list(data.get("investigations") or []),
                relapses=list(data.get("relapses") or []),
            )
        except FORM_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{data['patient'].full_name} is on the list for {meeting}.")
            return redirect("mdt:meeting", pk=meeting.pk)
    context = {"meeting": meeting, "form": form, "chosen": chosen}
    return render(request, "mdt/item_add.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def item_move(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.item_move(actor=request.user, item=item, offset=offset)
    except FORM_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    if request.htmx:
        meeting = Meeting.objects.get(pk=item.meeting_id)
        return render(request, "mdt/_list.html", _list_context(request, meeting))
    return redirect("mdt:meeting", pk=item.meeting_id)


@staff_required
@require_GET
def shared_screen(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    rows = selectors.shared_screen_rows(user=request.user, meeting=meeting)
    access_record(request=request, patients=[r.item.patient for r in rows], what="mdt shared screen")
    today = timezone.localdate()
    charts = [
        mark_safe(
            summary_chart_svg(
                r.summary, today=today, table_id=f"scores-{r.item.pk}", id_prefix=f"chart-{r.item.pk}"
            )
        )
        for r in rows
    ]  # built with ElementTree: every text node is escaped
    context = {
        "meeting": meeting,
        "rows": list(zip(rows, charts, strict=True)),
        "hidden_count": selectors.hidden_item_count(user=request.user, meeting=meeting),
        "is_chair": services.is_chair(request.user, meeting),
        "attendees": selectors.attendees_of(meeting),
    }
    return render(request, "mdt/shared_screen.html", context)


def _outcome_form(request: AuthedRequest, item: Item) -> OutcomeForm:
    people = selectors.staff_choices()
    outcome = getattr(item, "outcome", None)
    initial: dict[str, Any] = {"tell_family": False}
    if outcome is not None:
        initial = {
            "decision": outcome.decision,
            "agreed_by": list(outcome.agreed_by.all()),
            "tell_family": outcome.tell_family,
        }
    return OutcomeForm(request.POST or None, people=people, initial=initial, prefix="outcome")


@staff_required
@require_http_methods(["GET", "POST"])
def item_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    if request.method == "POST":
        refuse_unless(
            services.is_chair(request.user, item.meeting), "Only the chair records the meeting's outcome."
        )
    access_record(request=request, patients=item.patient, what="mdt listing")
    form = _outcome_form(request, item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions = [services.ActionSpec(d, o, due) for d, o, due in form.action_rows()]
        outcome = getattr(item, "outcome", None)
        try:
            if outcome is None:
                services.outcome_record(
                    actor=request.user,
                    item=item,
                    decision=data["decision"],
                    agreed_by=list(data["agreed_by"]),
                    actions=actions,
                    tell_family=data["tell_family"],
                )
            else:
                services.outcome_amend(
                    actor=request.user,
                    outcome=outcome,
                    decision=data["decision"],
                    agreed_by=list(data["agreed_by"]),
                    tell_family=data["tell_family"],
                    new_actions=actions,
                )
        except FORM_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Outcome for {item.patient.full_name} recorded; the actions are tasks."
            )
            return redirect("mdt:item", pk=item.pk)
    context = {
        **_release_context(request, item),
        "item": item,
        "meeting": item.meeting,
        "form": form,
        "carry_form": CarryOverForm(),
        "is_chair": services.is_chair(request.user, item.meeting),
        "next_meeting": services.next_meeting(item.meeting),
        "history": item.outcome.history.select_related("history_user")[1:]
        if hasattr(item, "outcome")
        else [],
    }
    return render(request, "mdt/item_detail.html", context, status=400 if form.errors else 200)


@staff_required
@require_POST
def item_carry_over(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, pk=pk)
    form = CarryOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the child is carried over.")
        return redirect("mdt:item", pk=item.pk)
    try:
        carried = services.item_carry_over(actor=request.user, item=item, reason=form.cleaned_data["reason"])
    except FORM_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
        return redirect("mdt:item", pk=item.pk)
    messages.success(request, f"{item.patient.full_name} is carried over to {carried.meeting}.")
    return redirect("mdt:meeting", pk=item.meeting_id)


def _release_context(
    request: AuthedRequest, item: Item, wording: FamilyWordingForm | None = None
) -> dict[str, Any]:
    outcome = getattr(item, "outcome", None)
    if outcome is None:
        return {"releases": [], "can_release": False}
    releases = list(outcome.releases.select_related("document", "prepared_by", "released_by"))
    initial = {"family_wording": releases[0].family_wording} if releases else None
    return {
        "releases": releases,
        "can_release": release.can_release_outcome(request.user, outcome),
        "wording_form": wording or FamilyWordingForm(initial=initial, prefix="family"),
        "release_pending": bool(releases) and releases[0].released_at is None,
    }


@staff_required
@require_POST
def item_letter(request: AuthedRequest, pk: int) -> HttpResponse:
    """Prepare the family wording and the outcome letter (a new version; staff only until released)."""
    outcome = selectors.item_with_outcome_get(user=request.user, pk=pk)
    item = outcome.item
    refuse_unless(release.can_release_outcome(request.user, outcome), release.RELEASE_ONLY)
    form = FamilyWordingForm(request.POST, prefix="family")
    if form.is_valid():
        try:
            prepared = release.outcome_letter_prepare(
                actor=request.user, outcome=outcome, family_wording=form.cleaned_data["family_wording"]
            )
        except FORM_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Letter version {prepared.version} is ready to check, then release.")
            return redirect("mdt:item", pk=item.pk)
    access_record(request=request, patients=item.patient, what="mdt listing")
    context = {
        **_release_context(request, item, form),
        "item": item,
        "meeting": item.meeting,
        "form": _outcome_form(request, item),
        "carry_form": CarryOverForm(),
        "is_chair": services.is_chair(request.user, item.meeting),
        "next_meeting": services.next_meeting(item.meeting),
        "history": [],
    }
    return render(request, "mdt/item_detail.html", context, status=400)


@staff_required
@require_POST
def item_release(request: AuthedRequest, pk: int) -> HttpResponse:
    """Release the latest prepared version to the family (portal wording and letter)."""
    outcome = selectors.item_with_outcome_get(user=request.user, pk=pk)
    item = outcome.item
    try:
        released = release.outcome_release(actor=request.user, outcome=outcome)
    except FORM_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, f"Version {released.version} is on the family's portal with its letter.")
    return redirect("mdt:item", pk=item.pk)
