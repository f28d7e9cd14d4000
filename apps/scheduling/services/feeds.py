"""Secret iCalendar feeds: a guardian's children's family-visible appointments, or a clinician's own."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients import access

from ..models import Appointment, CalendarFeed


def calendar_feed_for(*, owner: User) -> CalendarFeed:
    """The owner's live feed, created on first use (two first uses at once end with the same feed)."""
    feed = CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(owner=owner)
    except IntegrityError:  # one live feed per owner: the other request made it
        return CalendarFeed.objects.get(owner=owner, revoked_at__isnull=True)


def calendar_feed_regenerate(*, owner: User) -> CalendarFeed:
    """Revoke the old secret address and issue a new one (two clicks at once give one live feed)."""
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=owner.pk).first()  # one regeneration at a time per owner
        CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).update(revoked_at=timezone.now())
        return CalendarFeed.objects.create(owner=owner)


def feed_url(*, feed: CalendarFeed, base_url: str) -> str:
    """The secret address, absolute (calendar apps fetch it from outside the browser)."""
    return base_url.rstrip("/") + reverse("scheduling:feed", args=[feed.token])


def webcal_url(url: str) -> str:
    """The same address with the scheme phones and desktop calendars open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


# Booked but not yet confirmed is tentative; cancelled is cancelled; the rest happened or will.
_ICS_STATUS: dict[str, str] = {
    Appointment.Status.BOOKED: "TENTATIVE",
    Appointment.Status.CANCELLED: "CANCELLED",
}


def feed_appointments(feed: CalendarFeed) -> QuerySet[Appointment]:
    """What a feed shows. A guardian whose access ended sees nothing; staff see only their own clinics."""
    owner = feed.owner
    if not owner.is_active:
        return Appointment.objects.none()
    if roles.is_family(owner):
        return Appointment.objects.filter(patient__in=access.visible_patient_ids(owner), family_visible=True)
    if roles.staff_role(owner) is None:
        return Appointment.objects.none()
    return Appointment.objects.filter(clinician=owner, patient__in=access.visible_patient_ids(owner))


def feed_ics(feed: CalendarFeed, appointments: list[Appointment] | None = None) -> bytes:
    """The calendar. Only type, time and place: no clinical detail, no notes, no names beyond the child's."""
    calendar = Calendar()
    calendar.add("prodid", "-//CareCoord//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "CareCoord appointments")
    family = roles.is_family(feed.owner)
    if appointments is None:
        appointments = list(feed_appointments(feed).select_related("patient").order_by("starts_at"))
    for appointment in appointments:
        event = Event()
        event.add("uid", f"{appointment.uid}@carecoord")
        summary = appointment.get_kind_display()
        event.add("summary", f"{appointment.patient.given_name}: {summary}" if family else summary)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("dtstamp", timezone.now())
        event.add("sequence", appointment.sequence)
        event.add("status", _ICS_STATUS.get(appointment.status, "CONFIRMED"))
        if appointment.location:
            event.add("location", appointment.location)
        calendar.add_component(event)
    return calendar.to_ical()
