"""Tasks that other apps ask for through signals, where importing tasks would point an arrow upwards."""

from typing import Any

from django.dispatch import receiver

from apps.accounts.models import StaffProfile, User
from apps.notifications.signals import delivery_failed

from .models import Task
from .services import task_open


@receiver(delivery_failed)
def _email_failed_task(sender: Any, delivery_ids: list[int], **kwargs: Any) -> None:
    """An email that gave up after its last attempt: the clinic administrator checks the address."""
    admin = (
        User.objects.filter(is_active=True, staff_profile__role=StaffProfile.Role.CLINIC_ADMIN)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return  # still visible on /healthz and in the admin's outbox list
    for delivery_id in delivery_ids:
        task_open(
            title="An email could not be sent: check the address and resend it",
            source=Task.Source.EMAIL_FAILED,
            assignee=admin,
            priority=Task.Priority.HIGH,
            source_key=f"delivery:{delivery_id}:failed",
            link_url=f"/admin/notifications/delivery/{delivery_id}/change/",
        )
