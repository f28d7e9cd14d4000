"""Scheduling pages: a child's appointments and booking, treatment series, the clinic list for a day,
overdue re-evaluations, and the secret calendar feeds. Thin: services write, selectors read."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record

from .. import services
from ..models import CalendarFeed


def feed_url(request: HttpRequest, feed: CalendarFeed) -> str:
    return services.feed_url(feed=feed, base_url=request.build_absolute_uri("/"))


@staff_required
@require_GET
def my_calendar(request: AuthedRequest) -> HttpResponse:
    url = feed_url(request, services.calendar_feed_for(owner=request.user))
    return render(
        request, "scheduling/my_calendar.html", {"feed_url": url, "webcal_url": services.webcal_url(url)}
    )


@staff_required
@require_POST
def my_calendar_regenerate(request: AuthedRequest) -> HttpResponse:
    services.calendar_feed_regenerate(owner=request.user)
    messages.success(request, "Here is your new calendar link. The old one has stopped working.")
    return redirect("scheduling:my_calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret iCalendar address: no login, so an unknown, revoked or inactive owner's link is a 404."""
    live = CalendarFeed.objects.filter(revoked_at__isnull=True, owner__is_active=True).select_related("owner")
    feed = get_object_or_404(live, token=token)
    appointments = list(services.feed_appointments(feed).select_related("patient").order_by("starts_at"))
    children = {a.patient for a in appointments}
    access_record(request=request, patients=children, what="calendar feed", channel="export", user=feed.owner)
    response = HttpResponse(
        services.feed_ics(feed, appointments), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="carecoord.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
