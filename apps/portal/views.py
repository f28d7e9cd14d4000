from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import family_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import selectors
from apps.scheduling import selectors as scheduling_selectors
from apps.scheduling import services as scheduling_services
from apps.scheduling.models import Appointment

UPCOMING_SHOWN = 20


@family_required
def home(request: AuthedRequest) -> HttpResponse:
    children = list(selectors.patient_list(user=request.user))
    if len(children) == 1:
        return redirect("portal:child", pk=children[0].pk)
    access_record(request=request, patients=children, what="portal children")
    return render(request, "portal/home.html", {"children": children})


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
    # Family-visible only (the selector filters for families); the template never shows internal notes.
    upcoming = scheduling_selectors.appointments_of(user=request.user, patient=patient).filter(
        ends_at__gte=timezone.now(), status__in=[*Appointment.ACTIVE_STATUSES, Appointment.Status.CANCELLED]
    )
    feed = scheduling_services.calendar_feed_for(owner=request.user)
    feed_url = scheduling_services.feed_url(feed=feed, base_url=request.build_absolute_uri("/"))
    context = {
        "patient": patient,
        "care_team": care_team,
        "has_several": has_several,
        "appointments": list(upcoming[:UPCOMING_SHOWN]),
        "feed_url": feed_url,
        "webcal_url": scheduling_services.webcal_url(feed_url),
    }
    return render(request, "portal/child.html", context)
