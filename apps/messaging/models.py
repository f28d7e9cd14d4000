"""Conversations about one child: with the family, or between staff only."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.patients.models import Patient

MESSAGE_MAX_LENGTH = 5000


class Thread(models.Model):
    class Kind(models.TextChoices):
        FAMILY = "family", "With the family"
        STAFF_ONLY = "staff_only", "Staff only"

    class Status(models.TextChoices):
        NEEDS_REPLY = "needs_reply", "Needs a reply"
        HANDLED = "handled", "Handled"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=150)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HANDLED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    awaiting_reply_since = models.DateTimeField(
        null=True, blank=True, help_text="The first family message not yet answered by staff."
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="Set once when the response target passed."
    )

    class Meta:
        ordering = ["-last_message_at"]
        indexes = [
            models.Index(fields=["patient", "-last_message_at"]),
            models.Index(
                fields=["awaiting_reply_since"],
                name="thread_awaiting_reply",
                condition=Q(awaiting_reply_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    from_family = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message {self.pk} in thread {self.thread_id}"


def _attachment_path(instance: "MessageAttachment", filename: str) -> str:
    """A random stored name: nothing about the child or the family's file name on disk."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"messages/{uuid.uuid4().hex}.{suffix}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.original_name


class ReadState(models.Model):
    """How far one person has read one thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_state_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} read thread {self.thread_id} to {self.last_read_at}"


class EmailNotice(models.Model):
    """When one person was last emailed about one thread: one email per quiet period, not per message."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_emailed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_email_notice_per_person")]

    def __str__(self) -> str:
        return f"Emailed {self.user_id} about thread {self.thread_id}"
