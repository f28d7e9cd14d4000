"""The family portal: plain words, mobile first, and only the family's own children (access.py decides).

Thin: reads come through selectors (every read of a child is audited), writes through services.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import services as account_services
from apps.accounts.security import two_factor
from apps.accounts.security.throttles import rate_limited
from apps.accounts.token_views import tokens_page
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.documents import selectors as document_selectors
from apps.mdt import selectors as mdt_selectors
from apps.messaging import selectors as messaging_selectors
from apps.pathways import services as pathway_services
from apps.patients import selectors
from apps.patients import services as patient_services
from apps.patients.contact import family_contact, with_call_us
from apps.patients.decorators import family_required
from apps.patients.models import Patient
from apps.questionnaires import selectors as questionnaire_selectors
from apps.scheduling import selectors as scheduling_selectors
from apps.scheduling import services as scheduling_services
from apps.scheduling.models import Appointment, AppointmentEvent, TreatmentSeries
from apps.transition import selectors as transition_selectors
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from .forms import (
    CantMakeItForm,
    FamilyPasswordChangeForm,
    InvitationPasswordForm,
    NotificationPreferenceForm,
    SymptomReportForm,
)

UPCOMING_SHOWN = 20
DOCUMENTS_SHOWN = 3

# How a treatment date reads to a family.
_VISIT_WORDS: dict[str, str] = {
    Appointment.Status.BOOKED: "Booked",
    Appointment.Status.CONFIRMED: "Confirmed",
    Appointment.Status.ATTENDED: "Done",
    Appointment.Status.DID_NOT_ATTEND: "Missed",
    Appointment.Status.CANCELLED: "Cancelled",
}


@dataclass
class SeriesCalendar:
    title: str
    kind: str
    visits: list[tuple[Appointment, str]]


@family_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    children = list(selectors.patient_list(user=request.user))
    if len(children) == 1:
        return redirect("portal:child", pk=children[0].pk)
    access_record(request=request, patients=children, what="portal children")
    return render(request, "portal/home.html", {"children": children})


def _treatment_calendar(appointments: list[Appointment]) -> list[SeriesCalendar]:
    """The child's treatment series (e.g. IVIG every 4 weeks), each with its dates, family-visible only."""
    calendars: dict[int, SeriesCalendar] = {}
    current: set[int] = set()
    now = timezone.now()
    for a in appointments:
        series = a.series
        if series is None:
            continue
        calendar = calendars.setdefault(
            series.pk, SeriesCalendar(series.title, series.get_kind_display(), [])
        )
        calendar.visits.append((a, _VISIT_WORDS.get(a.status, a.get_status_display())))
        # An ended series with every date past is history, not a calendar.
        if series.status == TreatmentSeries.Status.ACTIVE or a.starts_at >= now:
            current.add(series.pk)
    return [calendar for pk, calendar in calendars.items() if pk in current]


def _cant_make_it(appointments: list[Appointment]) -> set[int]:
    """Appointments the family has said they can't make, and that have not been moved since."""
    events = AppointmentEvent.objects.filter(
        appointment__in=appointments,
        kind__in=[AppointmentEvent.Kind.FAMILY_CANT_MAKE_IT, AppointmentEvent.Kind.RESCHEDULED],
    ).order_by("at", "id")
    latest = {e.appointment_id: e.kind for e in events}
    return {pk for pk, kind in latest.items() if kind == AppointmentEvent.Kind.FAMILY_CANT_MAKE_IT}


@family_required
@require_http_methods(["GET", "POST"])
def child(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    if request.method == "POST":
        # The one thing posted here: a new secret calendar address, which revokes the old one.
        if request.POST.get("action") != "new-calendar-link":
            return HttpResponseBadRequest()
        scheduling_services.calendar_feed_regenerate(owner=request.user)
        messages.success(request, "Here is your new calendar link. The old one has stopped working.")
        return redirect(reverse("portal:child", args=[patient.pk]) + "#calendar")
    access_record(request=request, patients=patient, what="portal summary")
    care_team = selectors.care_team_of(patient=patient, current_only=True)
    has_several = selectors.patient_list(user=request.user).count() > 1
    now = timezone.now()
    # Family-visible only (the selector filters for families); the templates never show internal notes.
    appointments = list(scheduling_selectors.appointments_of(user=request.user, patient=patient))
    upcoming = [
        a
        for a in appointments
        if a.ends_at >= now and a.status in (*Appointment.ACTIVE_STATUSES, Appointment.Status.CANCELLED)
    ][:UPCOMING_SHOWN]
    feed = scheduling_services.calendar_feed_for(owner=request.user)
    feed_url = scheduling_services.feed_url(feed=feed, base_url=request.build_absolute_uri("/"))
    documents = document_selectors.documents_for_family(patient=patient)
    context = {
        "patient": patient,
        "care_team": care_team,
        "has_several": has_several,
        "appointments": upcoming,
        "cant_make_it": _cant_make_it(upcoming),
        "now": now,
        "treatment_calendar": _treatment_calendar(appointments),
        "documents": list(documents[:DOCUMENTS_SHOWN]),
        "more_documents": documents.count() > DOCUMENTS_SHOWN,
        "team_decisions": mdt_selectors.released_outcomes_for_family(patient_id=patient.pk)[:DOCUMENTS_SHOWN],
        "feed_url": feed_url,
        "webcal_url": scheduling_services.webcal_url(feed_url),
        "child_unread_messages": messaging_selectors.unread_count(request.user, patient),
        "has_transition_plan": transition_selectors.plan_of(patient) is not None,
        "questionnaires_waiting": questionnaire_selectors.open_assignments_of(patient),
    }
    return render(request, "portal/child.html", context)


def _family_appointment(request: AuthedRequest, patient: Patient, appointment_pk: int) -> Appointment:
    """One of this child's family-visible appointments; 404 for anything else."""
    appointment = scheduling_selectors.appointment_get(user=request.user, pk=appointment_pk)
    if appointment.patient_id != patient.pk:
        raise Http404
    return appointment


def _to_appointment(patient: Patient, appointment: Appointment) -> HttpResponse:
    return redirect(reverse("portal:child", args=[patient.pk]) + f"#appointment-{appointment.pk}")


@family_required
@require_POST
def appointment_confirm(request: AuthedRequest, pk: int, appointment_pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    appointment = _family_appointment(request, patient, appointment_pk)
    try:
        scheduling_services.appointment_confirm(actor=request.user, appointment=appointment)
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    else:
        messages.success(request, with_call_us("Thank you. We have noted that you will be there."))
    return _to_appointment(patient, appointment)


@family_required
@require_http_methods(["GET", "POST"])
def appointment_cant_make_it(request: AuthedRequest, pk: int, appointment_pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    appointment = _family_appointment(request, patient, appointment_pk)
    if not appointment.is_active or appointment.starts_at <= timezone.now():
        messages.error(request, "This appointment has already happened or been cancelled.")
        return _to_appointment(patient, appointment)
    form = CantMakeItForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling_services.appointment_family_cannot_attend(
                actor=request.user, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                with_call_us(
                    "Thank you for letting us know. The team will contact you to find another time. "
                    "Until then the appointment stays as it is."
                ),
            )
            return _to_appointment(patient, appointment)
    access_record(request=request, patients=patient, what="portal appointment")
    context = {"patient": patient, "a": appointment, "form": form}
    return render(request, "portal/cant_make_it.html", context, status=400 if form.errors else 200)


def _working_hours() -> str:
    contact = family_contact()
    if contact is not None:  # the nursing team's own hours (data, kept in the admin)
        return contact.hours
    start, end = settings.WORKING_DAY_START_HOUR, settings.WORKING_DAY_END_HOUR

    def hour(h: int) -> str:
        return "12 noon" if h == 12 else f"{h % 12 or 12}{'am' if h < 12 else 'pm'}"

    return f"Monday to Friday, {hour(start)} to {hour(end)}, except bank holidays"


@family_required
@rate_limited("symptom_report")
@require_http_methods(["GET", "POST"])
def symptoms(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    form = SymptomReportForm(request.POST or None, child_name=patient.given_name)
    if request.method == "POST" and form.is_valid():
        try:
            pathway_services.symptom_report_submit(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("portal:symptoms_sent", pk=patient.pk)
    access_record(request=request, patients=patient, what="portal symptoms form")
    context = {"patient": patient, "form": form, "working_hours": _working_hours()}
    return render(request, "portal/symptoms.html", context, status=400 if form.errors else 200)


@family_required
@require_GET
def symptoms_sent(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, pk=pk)
    access_record(request=request, patients=patient, what="portal symptoms sent")
    context = {"patient": patient, "working_hours": _working_hours()}
    return render(request, "portal/symptoms_sent.html", context)


@family_required
@require_http_methods(["GET", "POST"])
def account(request: AuthedRequest) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    if action not in (None, "password", "notifications"):
        return HttpResponseBadRequest()
    password_form = FamilyPasswordChangeForm(
        request.user, request.POST if action == "password" else None, prefix="password"
    )
    preference_form = NotificationPreferenceForm(
        request.POST if action == "notifications" else None,
        prefix="prefs",
        initial={"email_notifications": request.user.email_notifications},
    )
    if action == "password" and password_form.is_valid():
        account_services.user_set_password(
            actor=request.user, password=password_form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)  # stay logged in here; other sessions end
        messages.success(request, "Your password has been changed.")
        return redirect("portal:account")
    if action == "notifications" and preference_form.is_valid():
        enabled = preference_form.cleaned_data["email_notifications"]
        account_services.user_set_email_notifications(actor=request.user, enabled=enabled)
        messages.success(
            request,
            "We will email you when there is something new."
            if enabled
            else "We will not email you about updates. You will still see them here when you log in.",
        )
        return redirect("portal:account")
    children = list(selectors.patient_list(user=request.user))
    access_record(request=request, patients=children, what="portal account")
    context = {
        "password_form": password_form,
        "preference_form": preference_form,
        "children": children,
        "two_step_on": two_factor.has_app(request.user),
    }
    failed = bool(password_form.errors or preference_form.errors)
    return render(request, "portal/account.html", context, status=400 if failed else 200)


def _invitation_problem(request: AuthedRequest, problem: str) -> HttpResponse:
    message = patient_services.INVITATION_PROBLEMS[problem]
    status = 404 if problem == "unknown" else 410
    return render(request, "portal/invite_problem.html", {"message": message}, status=status)


@never_cache
@rate_limited("invitation_accept")
@require_http_methods(["GET", "POST"])
def invite(request: AuthedRequest, token: str) -> HttpResponse:
    """Public: a guardian's invitation link. They set a password, are logged in and land in the portal."""
    invitation = selectors.invitation_for_token(token=token)
    problem = patient_services.invitation_problem(invitation)
    if problem or invitation is None:
        return _invitation_problem(request, problem or "unknown")
    form = InvitationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = patient_services.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except SERVICE_REFUSALS as exc:
            code = getattr(exc, "code", None)
            if code in patient_services.INVITATION_PROBLEMS:
                return _invitation_problem(request, code)
            form_add_service_errors(form, exc)
        else:
            login(request, user, backend="apps.accounts.security.passwords.PasswordBackend")
            messages.success(request, "Your password is set and you are logged in. Welcome to CareCoord.")
            return redirect("portal:home")
    context = {"form": form, "invitation": invitation}
    return render(request, "portal/invite.html", context, status=400 if form.errors else 200)


@family_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthedRequest) -> HttpResponse:
    """The family's own API tokens (made, listed and revoked only here, by them)."""
    return tokens_page(request, template="portal/api_tokens.html", here="portal:api_tokens")
