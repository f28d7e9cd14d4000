"""The reminder beat job: 7 days and 1 day before each family-visible appointment, once each.

Set-based: one query selects the (appointment, guardian) pairs not yet reminded, one INSERT ... ON
CONFLICT DO NOTHING claims them (the unique key ``reminder_sent_once``) and reports which it won, and
the notifications and emails for those are written in bulk. An idle run is two queries.
"""

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.services import notifications_create_bulk
from apps.patients.models import Guardian
from carecoord.claims import claims_insert

from ..models import Appointment, Reminder
from .notices import reminder_notice

logger = logging.getLogger(__name__)

WINDOWS: dict[str, datetime.timedelta] = {
    Reminder.Kind.WEEK_BEFORE: datetime.timedelta(days=7),
    Reminder.Kind.DAY_BEFORE: datetime.timedelta(days=1),
}
BATCH = 500  # reminders per transaction: a killed run keeps the batches it finished


def _due_pairs(now: datetime.datetime) -> list[dict[str, Any]]:
    """Active guardians of family-visible appointments in a window, without this window's reminder yet."""
    appointment = "patient__appointments__"
    pairs = Guardian.objects.filter(
        Q(
            **{
                "is_active": True,
                f"{appointment}status__in": Appointment.ACTIVE_STATUSES,
                f"{appointment}family_visible": True,
                f"{appointment}starts_at__gt": now,
                f"{appointment}starts_at__lte": now + WINDOWS[Reminder.Kind.WEEK_BEFORE],
            }
        )
    ).annotate(
        appointment_id=F(f"{appointment}id"),
        starts_at=F(f"{appointment}starts_at"),
        sequence=F(f"{appointment}sequence"),
        # The 7-day reminder is skipped once the 1-day window has come (a late booking gets one reminder).
        kind=Case(
            When(
                **{f"{appointment}starts_at__lte": now + WINDOWS[Reminder.Kind.DAY_BEFORE]},
                then=Value(Reminder.Kind.DAY_BEFORE),
            ),
            default=Value(Reminder.Kind.WEEK_BEFORE),
        ),
    )
    already = Reminder.objects.filter(
        appointment_id=OuterRef("appointment_id"),
        guardian_id=OuterRef("user_id"),
        kind=OuterRef("kind"),
        sequence=OuterRef("sequence"),
    )
    return list(
        pairs.filter(~Exists(already))  # type: ignore[arg-type]
        .order_by("starts_at", "appointment_id", "user_id")
        .values("appointment_id", "user_id", "patient_id", "starts_at", "sequence", "kind")
    )


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Remind guardians of appointments starting within each window. Repeated runs send nothing new."""
    now = now or timezone.now()
    pairs = _due_pairs(now)
    sent = 0
    for start in range(0, len(pairs), BATCH):
        sent += _send_batch(pairs[start : start + BATCH])
    if sent < len(pairs):
        logger.info("Reminders: %s due, %s sent; another run had claimed the rest", len(pairs), sent)
    return sent


def _send_batch(pairs: list[dict[str, Any]]) -> int:
    """Claim and notify one batch together: the "sent" rows and their outbox rows commit as one."""
    with transaction.atomic():
        won = claims_insert(
            [
                Reminder(
                    appointment_id=p["appointment_id"],
                    guardian_id=p["user_id"],
                    kind=p["kind"],
                    sequence=p["sequence"],
                )
                for p in pairs
            ],
            returning=("appointment", "guardian", "kind"),
        )
        if not won:
            return 0
        users = User.objects.in_bulk({guardian for _, guardian, _ in won})
        by_key = {(p["appointment_id"], p["user_id"], p["kind"]): p for p in pairs}
        notifications_create_bulk(
            [
                reminder_notice(
                    recipient=users[key[1]],
                    kind=key[2],
                    patient_id=by_key[key]["patient_id"],
                    starts_at=by_key[key]["starts_at"],
                )
                for key in won
            ]
        )
    return len(won)
