"""The reminder beat job: 7 days and 1 day before each family-visible appointment, once each."""

import datetime

from django.utils import timezone

from ..models import Appointment, Reminder
from .notices import notify_guardians

WINDOWS: dict[str, datetime.timedelta] = {
    Reminder.Kind.WEEK_BEFORE: datetime.timedelta(days=7),
    Reminder.Kind.DAY_BEFORE: datetime.timedelta(days=1),
}


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Remind guardians of appointments starting within each window. Repeated runs send nothing new.

    The 7-day reminder is skipped when the 1-day window has already come (a late booking gets one reminder).
    """
    now = now or timezone.now()
    sent = 0
    upcoming = Appointment.objects.filter(
        status__in=Appointment.ACTIVE_STATUSES,
        family_visible=True,
        starts_at__gt=now,
        starts_at__lte=now + WINDOWS[Reminder.Kind.WEEK_BEFORE],
    )
    for appointment in upcoming:
        if appointment.starts_at <= now + WINDOWS[Reminder.Kind.DAY_BEFORE]:
            sent += notify_guardians(appointment=appointment, kind=Reminder.Kind.DAY_BEFORE)
        else:
            sent += notify_guardians(appointment=appointment, kind=Reminder.Kind.WEEK_BEFORE)
    return sent
