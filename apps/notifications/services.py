"""The outbox. A side effect that must happen is a row written in the caller's transaction.

``transaction.on_commit`` then queues the Celery task. If the broker is down at
that moment the row simply stays pending, and the beat sweeper re-queues it.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import User

from .models import Delivery, Notification

logger = logging.getLogger(__name__)

# Emails say only that there is something to look at; the detail stays behind the login.
_EMAIL_FOOTER = "\n\nThis is an automatic message from CareCoord. Please do not reply to this email.\n"


# After a failed publish, skip publishing for a short while: each attempt against a dead broker
# costs a connection timeout, and the rows are safe in the outbox for the sweeper anyway.
_BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0


def _enqueue_delivery(delivery_id: int, *, during_backoff: bool = False) -> bool:
    """Queue the send. The sweeper passes ``during_backoff`` because it is how the outbox recovers."""
    global _broker_down_until
    from .tasks import deliver_email

    if not during_backoff and time.monotonic() < _broker_down_until:
        return False
    try:
        deliver_email.apply_async(args=[delivery_id], retry=False)
    except Exception:  # the broker is unreachable: the sweeper will pick the row up
        _broker_down_until = time.monotonic() + _BROKER_BACKOFF_SECONDS
        logger.warning("Outbox: could not queue delivery %s; it stays pending for the sweeper", delivery_id)
        return False
    _broker_down_until = 0.0
    return True


def email_enqueue(
    *, to_address: str, subject: str, body: str, notification: Notification | None = None
) -> Delivery:
    """Write a pending email and queue it once the surrounding transaction commits."""
    delivery = Delivery.objects.create(
        notification=notification, to_address=to_address, subject=subject, body=body + _EMAIL_FOOTER
    )
    transaction.on_commit(lambda: _enqueue_delivery(delivery.pk))  # outcome is logged; the row stays safe
    return delivery


def notification_create(
    *,
    recipient: User,
    kind: str,
    title: str,
    url: str = "",
    patient_id: int | None = None,
    email: bool = True,
) -> Notification:
    """An in-app notification, plus an email that says only "there is something new" and links to it.

    Call it inside the transaction that makes the change it announces.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, title=title[:200], url=url, patient_id=patient_id
    )
    if email and recipient.is_active and recipient.email and recipient.email_notifications:
        link = f"{settings.SITE_URL}{url}" if url.startswith("/") else settings.SITE_URL
        email_enqueue(
            to_address=recipient.email,
            subject="You have a new update in CareCoord",
            body=f"Hello {recipient.get_short_name()},\n\nThere is a new update for you in CareCoord.\n"
            f"Please log in to see it: {link}",
            notification=notification,
        )
    return notification


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def delivery_claim(*, delivery_id: int) -> Delivery | None:
    """Claim a pending delivery for sending. None when someone else has it or it is done."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Delivery.objects.get(pk=delivery_id)


def delivery_mark_sent(*, delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def delivery_release(*, delivery: Delivery, error: str) -> bool:
    """Give a failed send back to the outbox. Returns False when it has run out of attempts."""
    gives_up = delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.FAILED if gives_up else Delivery.Status.PENDING,
        last_error=error[:2000],
        queued_at=timezone.now(),
    )
    return not gives_up


def outbox_sweep(*, older_than: datetime.timedelta | None = None) -> list[int]:
    """Re-queue deliveries stuck as pending (never queued) or sending (worker died mid-send).

    Returns the ids it queued.
    """
    older_than = (
        older_than
        if older_than is not None
        else datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    )
    cutoff = timezone.now() - older_than
    stale = Q(status=Delivery.Status.PENDING, queued_at__lte=cutoff) | Q(
        status=Delivery.Status.SENDING, claimed_at__lte=cutoff
    )
    # A row whose sends keep dying mid-way (a crash after SMTP accepted it, say) stops being retried.
    Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lte=cutoff, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS
    ).update(
        status=Delivery.Status.FAILED, last_error="Gave up: the send did not finish after the last attempt."
    )
    ids = list(Delivery.objects.filter(stale).order_by("pk").values_list("pk", flat=True)[:500])
    if not ids:
        return []
    # Re-check staleness: a row picked as stale-pending above may have been claimed by a worker
    # since, and resetting that fresh claim to pending would let a second worker send it again.
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, claimed_at__lte=cutoff).update(
        status=Delivery.Status.PENDING
    )
    Delivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    queued = []
    for delivery_id in ids:
        if not _enqueue_delivery(delivery_id, during_backoff=True):
            break  # still down: the rest wait for the next sweep rather than a timeout each
        queued.append(delivery_id)
    return queued
