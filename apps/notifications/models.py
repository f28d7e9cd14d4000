from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    """An in-app notification. Its text carries no clinical detail beyond what the recipient may see."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}: {self.title}"


class Delivery(models.Model):
    """One outbound email in the outbox. Written in the caller's transaction, sent by Celery at most once.

    ``sending`` is recorded (committed, with the claim's ``send_token``) before the SMTP call. A row still ``sending`` after
    ``OUTBOX_SENDING_TIMEOUT_SECONDS`` may or may not have gone out, so it becomes ``unknown`` for a
    person to decide, never re-sent automatically.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown: check by hand"

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    to_address = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Redacted: a secret link is added only when the email is sent.")
    link_kind = models.CharField(max_length=30, blank=True, help_text="Which secret link the send adds.")
    link_ref = models.PositiveBigIntegerField(null=True, blank=True, help_text="The row the link is for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    # When the sweeper may next queue a pending row: the one backoff schedule lives here.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which claim holds a "sending" row: only that claim may mark it sent, failed or give it back.
    send_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="delivery_pending_due", condition=models.Q(status="pending")
            ),
            models.Index(
                fields=["claimed_at"], name="delivery_sending", condition=models.Q(status="sending")
            ),
            models.Index(
                fields=["status"],
                name="delivery_needs_person",
                condition=models.Q(status__in=["failed", "unknown"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_address} ({self.status})"
