import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMessage

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=60, time_limit=90)
def deliver_email(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send one outbox email. Safe to run twice: only the run that claims the row sends it."""
    delivery = services.delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return
    message = EmailMessage(subject=delivery.subject, body=delivery.body, to=[delivery.to_address])
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Outbox: delivery %s failed: %s", delivery_id, exc)
        if services.delivery_release(delivery=delivery, error=str(exc)):
            raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 600)) from exc
        return
    services.delivery_mark_sent(delivery=delivery)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_outbox() -> int:
    return len(services.outbox_sweep())
