"""Outbox tasks: thin, idempotent, ids only. The outbox rows own the retry schedule, not Celery."""

import logging
import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from . import services

logger = logging.getLogger(__name__)


def _deliver(delivery_id: int, connection: BaseEmailBackend | None = None) -> None:
    """Send one outbox email. Safe to run twice: only the run that claims the row sends it."""
    delivery = services.delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return
    body = services.delivery_body_for_sending(delivery=delivery)  # a secret link is made only now
    if body is None:
        services.delivery_abandon(delivery=delivery, reason="Not sent: its link is no longer valid.")
        return
    message = EmailMessage(
        subject=delivery.subject, body=body, to=[delivery.to_address], connection=connection
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Outbox: delivery %s failed: %s", delivery_id, exc)
        services.delivery_release(delivery=delivery, error=str(exc))
        return
    services.delivery_mark_sent(delivery=delivery)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_email(delivery_id: int) -> None:
    _deliver(delivery_id)


@shared_task(acks_late=True, soft_time_limit=100, time_limit=115)
def deliver_emails(delivery_ids: list[int]) -> None:
    """A batch from the sweeper: one published message and one SMTP connection for up to a hundred rows.

    Rows not reached before the soft time limit were never claimed, so they simply stay pending.
    """
    try:
        with get_connection() as connection:
            for delivery_id in delivery_ids:
                _deliver(delivery_id, connection)
    except SoftTimeLimitExceeded:
        logger.warning("Outbox: batch stopped at its time limit; the rest stay pending for the sweeper")
    except (smtplib.SMTPException, OSError) as exc:  # no connection to the SMTP server at all
        logger.warning("Outbox: could not reach the SMTP server (%s); the batch stays pending", exc)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_outbox() -> int:
    return len(services.outbox_sweep())
