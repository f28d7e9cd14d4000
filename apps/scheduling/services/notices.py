"""Messages to guardians about an appointment: once each (unique key), through the outbox."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.services import notification_create
from apps.patients.models import Guardian
from carecoord.dates import family_when

from ..models import Appointment, Reminder

_TITLES: dict[str, str] = {
    Reminder.Kind.WEEK_BEFORE: "Reminder: appointment {day}, {when}",
    Reminder.Kind.DAY_BEFORE: "Reminder: appointment {day}, {when}",
    Reminder.Kind.MOVED: "An appointment has moved to {when}",
    Reminder.Kind.CANCELLED: "An appointment on {when} has been cancelled",
}


def _which_day(starts_at: datetime.datetime) -> str:
    """Today, tomorrow, or in N days: from the local dates, so a reminder never says the wrong day."""
    days = (timezone.localdate(starts_at) - timezone.localdate()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return "in one week" if days == 7 else f"in {days} days"


def notify_guardians(*, appointment: Appointment, kind: str) -> int:
    """Tell each active guardian once about this appointment (per kind and SEQUENCE). Inside the caller's transaction."""
    if not appointment.family_visible:
        return 0
    guardians = Guardian.objects.filter(patient_id=appointment.patient_id, is_active=True).select_related(
        "user"
    )
    when = family_when(appointment.starts_at)
    sent = 0
    for guardian in guardians:
        # The "sent" row and its outbox rows land together or not at all, so a failure part-way (or a
        # job killed at its time limit) leaves the reminder for the next run instead of marking it sent.
        with transaction.atomic():
            try:
                with (
                    transaction.atomic()
                ):  # a savepoint: a second run's duplicate key leaves the caller's work intact
                    Reminder.objects.create(
                        appointment=appointment,
                        guardian=guardian.user,
                        kind=kind,
                        sequence=appointment.sequence,
                    )
            except IntegrityError:
                continue  # already told
            notification_create(
                recipient=guardian.user,
                kind=f"appointment_{kind}",
                title=_TITLES[kind].format(when=when, day=_which_day(appointment.starts_at)),
                url=f"/portal/children/{appointment.patient_id}/",
                patient_id=appointment.patient_id,
            )
        sent += 1
    return sent


def reminder_notice(
    *, recipient: User, kind: str, patient_id: int, starts_at: datetime.datetime
) -> dict[str, Any]:
    """The notification for one reminder, as a spec for ``notifications_create_bulk``."""
    when = family_when(starts_at)
    return {
        "recipient": recipient,
        "kind": f"appointment_{kind}",
        "title": _TITLES[kind].format(when=when, day=_which_day(starts_at)),
        "url": f"/portal/children/{patient_id}/",
        "patient_id": patient_id,
    }
