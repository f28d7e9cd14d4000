"""The outbox. A side effect that must happen is a row written in the caller's transaction.

``transaction.on_commit`` then queues the Celery task. If the broker is down at
that moment the row simply stays pending, and the beat sweeper re-queues it.
"""

import datetime
import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, F
from django.utils import timezone

from apps.accounts.models import User

from .links import LINK_PLACEHOLDER, secret_path
from .models import Delivery, Notification
from .signals import delivery_failed

logger = logging.getLogger(__name__)

# Emails say only that there is something to look at; the detail stays behind the login.
_EMAIL_FOOTER = "\n\nThis is an automatic message from CareCoord. Please do not reply to this email.\n"


# After a failed publish, skip publishing for a short while (a circuit breaker): each attempt
# against a dead or hung broker costs up to a socket timeout, and the rows are safe in the outbox.
_BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0
_BATCH = 100  # deliveries per published message when the sweeper drains a backlog


def broker_is_backing_off() -> bool:
    return time.monotonic() < _broker_down_until


def _publish(delivery_ids: list[int], *, during_backoff: bool = False) -> bool:
    """Queue the send of these rows. The sweeper passes ``during_backoff``: it is how the outbox recovers.

    Bounded by the broker's socket timeouts (settings), so a hung Redis costs a request about a second
    once, and then nothing while the breaker is open.
    """
    global _broker_down_until
    from .tasks import deliver_email, deliver_emails

    if not during_backoff and broker_is_backing_off():
        return False
    try:
        if len(delivery_ids) == 1:
            deliver_email.apply_async(args=[delivery_ids[0]], retry=False)
        else:
            deliver_emails.apply_async(args=[delivery_ids], retry=False)
    except Exception:  # the broker is unreachable or hung: the sweeper will pick the rows up
        _broker_down_until = time.monotonic() + _BROKER_BACKOFF_SECONDS
        logger.warning(
            "Outbox: could not queue delivery %s; it stays pending for the sweeper",
            ", ".join(map(str, delivery_ids)),
        )
        return False
    _broker_down_until = 0.0
    return True


def _enqueue_delivery(delivery_id: int) -> bool:
    return _publish([delivery_id])


def _sweep_fallback(now: datetime.datetime | None = None) -> datetime.datetime:
    """When the sweeper may queue a row that was just queued (it may be waiting behind a backlog)."""
    return (now or timezone.now()) + datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The one backoff schedule: after the n-th failed attempt, wait the n-th step (the last one repeats)."""
    steps = settings.OUTBOX_RETRY_SECONDS
    return datetime.timedelta(seconds=steps[min(max(attempts, 1), len(steps)) - 1])


def email_enqueue(
    *,
    to_address: str,
    subject: str,
    body: str,
    notification: Notification | None = None,
    link: tuple[str, int] | None = None,
) -> Delivery:
    """Write a pending email and queue it once the surrounding transaction commits.

    ``link`` (kind, id) marks an email with a secret link: ``body`` has ``links.LINK_PLACEHOLDER``
    where the secret path goes, and the path is made only when the email is sent.
    """
    kind, ref = link if link is not None else ("", None)
    if kind and LINK_PLACEHOLDER not in body:
        raise ValueError("An email with a secret link needs the placeholder where the link goes.")
    delivery = Delivery.objects.create(
        notification=notification,
        to_address=to_address,
        subject=subject,
        body=body + _EMAIL_FOOTER,
        next_attempt_at=_sweep_fallback(),
        link_kind=kind,
        link_ref=ref,
    )
    transaction.on_commit(lambda: _enqueue_delivery(delivery.pk))  # outcome is logged; the row stays safe
    return delivery


def _wants_email(recipient: User) -> bool:
    return bool(recipient.is_active and recipient.email and recipient.email_notifications)


def _email_text(recipient: User, url: str) -> dict[str, str]:
    """The email says only "there is something new" and links to it (before the footer)."""
    link = f"{settings.SITE_URL}{url}" if url.startswith("/") else settings.SITE_URL
    return {
        "subject": "You have a new update in CareCoord",
        "body": f"Hello {recipient.get_short_name()},\n\nThere is a new update for you in CareCoord.\n"
        f"Please log in to see it: {link}",
    }


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
    if email and _wants_email(recipient):
        text = _email_text(recipient, url)
        email_enqueue(
            to_address=recipient.email, subject=text["subject"], body=text["body"], notification=notification
        )
    return notification


def notifications_create_bulk(specs: list[dict[str, Any]]) -> list[Notification]:
    """Many ``notification_create`` calls in a constant number of queries: for beat jobs.

    Each spec holds ``notification_create``'s arguments (``recipient`` a User, ``email`` optional).
    The Notification and Delivery rows are written with bulk_create in the caller's transaction, and
    the batch is published once after commit; the at-most-once claim in the task is unchanged.
    """
    if not specs:
        return []
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=spec["recipient"],
            kind=spec["kind"],
            title=spec["title"][:200],
            url=spec.get("url", ""),
            patient_id=spec.get("patient_id"),
        )
        for spec in specs
    )
    due = _sweep_fallback()
    deliveries = [
        Delivery(
            notification=notification,
            to_address=spec["recipient"].email,
            next_attempt_at=due,
            subject=text["subject"],
            body=text["body"] + _EMAIL_FOOTER,
        )
        for spec, notification in zip(specs, notifications, strict=True)
        if spec.get("email", True) and _wants_email(spec["recipient"])
        for text in [_email_text(spec["recipient"], spec.get("url", ""))]
    ]
    if deliveries:
        ids = [d.pk for d in Delivery.objects.bulk_create(deliveries)]
        transaction.on_commit(lambda: _publish_in_batches(ids))
    return notifications


def _publish_in_batches(ids: list[int]) -> None:
    # One publish per batch; a refusal leaves the rest pending for the sweeper (it is logged).
    for start in range(0, len(ids), _BATCH):
        if not _publish(ids[start : start + _BATCH]):
            return


def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def deliveries_claim(*, delivery_ids: list[int]) -> tuple[uuid.UUID, list[Delivery]]:
    """Claim the pending rows among these for sending, in one committed UPDATE ... RETURNING.

    Each claimed row is ``sending`` with this claim's token and one more attempt before any SMTP call,
    so a redelivered task, a second worker or a racing sweep claims nothing twice. Returns the token
    and the claimed rows (in id order); rows done or held by someone else are simply left out.
    """
    if not delivery_ids:
        return uuid.uuid4(), []
    token = uuid.uuid4()
    meta = Delivery._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in meta.concrete_fields if f.column)
    ids = sorted(set(delivery_ids))
    placeholders = ", ".join(["%s"] * len(ids))
    # Only quoted names and placeholders are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('status')} = %s, {quote('claimed_at')} = %s, "  # noqa: S608
        f"{quote('send_token')} = %s, {quote('attempts')} = {quote('attempts')} + 1 "
        f"WHERE {quote('id')} IN ({placeholders}) AND {quote('status')} = %s RETURNING {columns}"
    )
    params = [
        Delivery.Status.SENDING,
        models.DateTimeField().get_db_prep_value(timezone.now(), connection),
        models.UUIDField().get_db_prep_value(token, connection),
        *ids,
        Delivery.Status.PENDING,
    ]
    claimed = sorted(Delivery.objects.raw(sql, params), key=lambda d: d.pk)
    return token, claimed


def deliveries_unclaim(*, token: uuid.UUID, delivery_ids: list[int]) -> int:
    """Give back claimed rows whose send never began (the batch stopped before them): no attempt made."""
    if not delivery_ids:
        return 0
    return Delivery.objects.filter(
        pk__in=delivery_ids, send_token=token, status=Delivery.Status.SENDING
    ).update(status=Delivery.Status.PENDING, attempts=F("attempts") - 1, next_attempt_at=timezone.now())


def delivery_body_for_sending(*, delivery: Delivery) -> str | None:
    """The body to send: the stored one, with its secret link made now. None: do not send."""
    if not delivery.link_kind:
        return delivery.body
    path = secret_path(delivery.link_kind, delivery.link_ref or 0)
    if path is None:
        return None
    return delivery.body.replace(LINK_PLACEHOLDER, path)


def delivery_abandon(*, delivery: Delivery, reason: str) -> None:
    """A claimed email that must not go out after all (its link is no longer valid)."""
    Delivery.objects.filter(
        pk=delivery.pk, send_token=delivery.send_token, status=Delivery.Status.SENDING
    ).update(status=Delivery.Status.FAILED, last_error=reason[:2000])


def deliveries_mark_sent(*, token: uuid.UUID, delivery_ids: list[int]) -> bool:
    """Record the sends, in one UPDATE. The SMTP server has these messages now, so never let this
    failure re-send them.

    A dropped database connection is retried a few times on a fresh connection; if the rows still
    cannot be marked, they stay ``sending`` and the sweeper turns them into ``unknown``.
    """
    if not delivery_ids:
        return True
    for attempt in range(3):
        try:
            Delivery.objects.filter(
                pk__in=delivery_ids, send_token=token, status=Delivery.Status.SENDING
            ).update(status=Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
            return True
        except DatabaseError:
            logger.warning(
                "Outbox: could not mark %s deliveries sent (try %s)", len(delivery_ids), attempt + 1
            )
            connection.close()  # the next try opens a fresh connection
            time.sleep(0.2 * (attempt + 1))
    logger.error(
        "Outbox: deliveries %s were sent but could not be marked; they will show as unknown",
        ", ".join(map(str, delivery_ids)),
    )
    return False


def delivery_release(*, delivery: Delivery, error: str) -> bool:
    """Give a failed send back to the outbox with the next backoff step. False once it has given up."""
    gives_up = delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        Delivery.objects.filter(
            pk=delivery.pk, send_token=delivery.send_token, status=Delivery.Status.SENDING
        ).update(
            status=Delivery.Status.FAILED if gives_up else Delivery.Status.PENDING,
            last_error=error[:2000],
            next_attempt_at=timezone.now() + retry_delay(delivery.attempts),
        )
        if gives_up:
            delivery_failed.send(sender=Delivery, delivery_ids=[delivery.pk])
    return not gives_up


def _mark_unfinished_sends_unknown(now: datetime.datetime) -> int:
    """A send that never finished may have reached the SMTP server: a person decides, never a retry."""
    cutoff = now - datetime.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lte=cutoff)
    count = stuck.update(
        status=Delivery.Status.UNKNOWN,
        last_error="The send did not finish: the email may or may not have gone. Check, then resend or close.",
    )
    if count:
        logger.error("Outbox: %s deliveries did not finish sending and need a person to check them", count)
    return count


def outbox_sweep(*, now: datetime.datetime | None = None, budget_seconds: float = 40.0) -> list[int]:
    """Queue every pending row whose ``next_attempt_at`` has passed, in batches; returns the ids queued.

    A queued row's next attempt moves on by the sweep interval, so a row waiting behind a backlog is
    not queued again a minute later. Whatever is left when the broker is down or the time budget runs
    out is logged and stays due for the next sweep (``/healthz`` shows the oldest pending age).
    """
    now = now or timezone.now()
    _mark_unfinished_sends_unknown(now)
    queued: list[int] = []
    started = time.monotonic()
    while time.monotonic() - started < budget_seconds:
        due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:1000])
        if not ids:
            return queued
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
            queued_at=timezone.now(), next_attempt_at=_sweep_fallback(now)
        )
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            if not _publish(batch, during_backoff=True):
                Delivery.objects.filter(pk__in=ids[start:], status=Delivery.Status.PENDING).update(
                    next_attempt_at=now
                )
                logger.warning("Outbox: broker down; %s deliveries wait for the next sweep", len(ids) - start)
                return queued
            queued.extend(batch)
    logger.warning("Outbox: sweep time budget used up with deliveries still due; the next sweep goes on")
    return queued


def outbox_health(*, now: datetime.datetime | None = None) -> dict[str, object]:
    """The oldest due pending row's age and the rows a person must look at (failed, unknown)."""
    now = now or timezone.now()
    oldest = (
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    counts = dict(
        Delivery.objects.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.UNKNOWN])
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    overdue = (now - oldest).total_seconds() if oldest else 0.0
    failed, unknown = counts.get(Delivery.Status.FAILED, 0), counts.get(Delivery.Status.UNKNOWN, 0)
    ok = overdue <= settings.HEALTHZ_OUTBOX_MAX_DELAY_SECONDS and failed == 0 and unknown == 0
    return {
        "status": "ok" if ok else "attention",
        "oldest_due_seconds": round(overdue, 1),
        "failed": failed,
        "unknown": unknown,
    }


def delivery_resend(*, delivery_ids: list[int]) -> int:
    """A person decided: send these failed or unknown emails again (admin action)."""
    with transaction.atomic():
        count = Delivery.objects.filter(
            pk__in=delivery_ids, status__in=[Delivery.Status.FAILED, Delivery.Status.UNKNOWN]
        ).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
    return count


def delivery_close(*, delivery_ids: list[int]) -> int:
    """A person checked: an unknown email did arrive (or is not needed); stop showing it."""
    return Delivery.objects.filter(
        pk__in=delivery_ids, status__in=[Delivery.Status.FAILED, Delivery.Status.UNKNOWN]
    ).update(status=Delivery.Status.SENT, last_error="Closed by hand after checking.")
