"""Outbox tasks: thin, idempotent, ids only. The outbox rows own the retry schedule, not Celery.

One email or a sweeper's batch of a hundred go the same way, a few rows at a time (``CLAIM_CHUNK``):
one UPDATE ... RETURNING claims the rows (``sending``, with a token, committed before any SMTP call),
each is sent over one SMTP connection, and one UPDATE marks the sent ones. A row is never given back
to ``pending`` once its send may have begun, so a crash, a kill or a lost database connection leaves
it ``sending`` (later ``unknown``, for a person), never sent twice. A kill mid-chunk leaves at most
``CLAIM_CHUNK`` rows for a person to check.
"""

import contextlib
import logging
import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from . import services
from .models import Delivery

logger = logging.getLogger(__name__)

CLAIM_CHUNK = 10  # rows claimed, sent and marked together: 2 queries per 10 emails, at most 10 unknown


class _SmtpUnreachable(Exception):
    """The SMTP connection broke and could not be opened again: the rest of the batch waits."""


def _send_one(delivery: Delivery, connection: BaseEmailBackend) -> bool:
    """Send one claimed row. True once the SMTP server accepted it; a refusal is released for a retry."""
    body = services.delivery_body_for_sending(delivery=delivery)  # a secret link is made only now
    if body is None:
        services.delivery_abandon(delivery=delivery, reason="Not sent: its link is no longer valid.")
        return False
    message = EmailMessage(
        subject=delivery.subject, body=body, to=[delivery.to_address], connection=connection
    )
    try:
        connection.open()  # a no-op once open: one SMTP session for the whole batch
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Outbox: delivery %s failed: %s", delivery.pk, exc)
        services.delivery_release(delivery=delivery, error=str(exc))
        _reopen(connection)
        return False
    return True


def _reopen(connection: BaseEmailBackend) -> None:
    """After a failed send the SMTP session may be broken: start a fresh one for the next row."""
    connection.close()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        raise _SmtpUnreachable(str(exc)) from exc


def _deliver_chunk(delivery_ids: list[int], connection: BaseEmailBackend) -> None:
    token, claimed = services.deliveries_claim(delivery_ids=delivery_ids)
    sent: list[int] = []
    begun = 0  # rows whose send may have begun; the ones after it never started
    try:
        for delivery in claimed:
            begun += 1
            if _send_one(delivery, connection):
                sent.append(delivery.pk)
    except BaseException:  # a time limit, an SMTP outage, anything: the rows not begun go back
        services.deliveries_unclaim(token=token, delivery_ids=[d.pk for d in claimed[begun:]])
        raise
    finally:
        services.deliveries_mark_sent(token=token, delivery_ids=sent)


def _deliver(delivery_ids: list[int], connection: BaseEmailBackend) -> None:
    for start in range(0, len(delivery_ids), CLAIM_CHUNK):
        _deliver_chunk(delivery_ids[start : start + CLAIM_CHUNK], connection)


def _deliver_batch(delivery_ids: list[int]) -> None:
    """Rows not reached before the soft time limit or an SMTP outage were never claimed (or were
    given back), so they simply stay pending for the sweeper."""
    connection = get_connection()
    try:
        _deliver(delivery_ids, connection)
    except SoftTimeLimitExceeded:
        logger.warning("Outbox: batch stopped at its time limit; the rest stay pending for the sweeper")
    except _SmtpUnreachable as exc:  # the first row that failed counted an attempt; the rest wait
        logger.warning("Outbox: could not reach the SMTP server (%s); the batch stays pending", exc)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_email(delivery_id: int) -> None:
    """One email, published as its transaction commits: sent at once, no batching delay."""
    _deliver_batch([delivery_id])


@shared_task(acks_late=True, soft_time_limit=100, time_limit=115)
def deliver_emails(delivery_ids: list[int]) -> None:
    """A batch from the sweeper or a bulk job: one published message and one SMTP connection."""
    _deliver_batch(delivery_ids)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_outbox() -> int:
    return len(services.outbox_sweep())
