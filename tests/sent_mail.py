"""Emails with a secret link keep only a redacted body in the outbox: the link is made when the email
is sent. Tests that follow a link send the pending emails (the task, run inline) and read the sent one."""

from django.core import mail
from django.core.mail import EmailMessage

from apps.notifications.models import Delivery
from apps.notifications.tasks import deliver_email


def send_and_read(to_address: str) -> EmailMessage:
    """Send every pending outbox email to ``to_address`` and return the latest one sent to it."""
    pending = Delivery.objects.filter(to_address__iexact=to_address, status=Delivery.Status.PENDING)
    for delivery_id in pending.order_by("pk").values_list("pk", flat=True):
        deliver_email(delivery_id)
    sent = [m for m in mail.outbox if to_address.lower() in (a.lower() for a in m.to)]
    assert sent, f"no email was sent to {to_address}"
    return sent[-1]
