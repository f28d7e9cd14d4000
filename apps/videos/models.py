"""Videos a family films of their child (eye and limb movements at home), and how they arrive.

A ``VideoUpload`` is one resumable upload: the phone sends the file in chunks, each stored as its own
object until the last arrives; finishing it makes one ``Video`` (and only one, however often it is
finished). The ``Video`` row is also the processing job: written in the finishing transaction as
``processing``, claimed by the Celery task (or the beat sweeper when Redis was down), and made
``ready`` with the nurse's review task in one transaction. ``VideoRetention`` holds how long videos
are kept (a demo value in the seeded row); ``VideoDeletion`` is the append-only record of each
deletion.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.patients.models import Patient


class VideoUpload(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Arriving"
        FINISHED = "finished", "Finished"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    total_size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0, help_text="Bytes stored so far: the next offset.")
    content_type = models.CharField(max_length=40, blank=True, help_text="From the first bytes.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="The whole file's, if the phone sent it.")
    note = models.CharField(max_length=500, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    share_with_family = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    video = models.OneToOneField(
        "Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="upload"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received__lte=models.F("total_size")), name="video_upload_within_size"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="finished") | models.Q(video__isnull=False),
                name="video_upload_finished_has_video",
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.id} ({self.received}/{self.total_size})"


class Video(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", "Getting it ready"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be played"
        DELETED = "deleted", "Deleted after the retention period"

    class Outcome(models.TextChoices):
        SEEN_IN_CLINIC = "seen_in_clinic", "Seen in clinic"
        SIGNIFICANT = "significant", "Significant"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Names its files.")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="videos")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True, help_text="What did you see?")
    seen_at = models.DateTimeField(null=True, blank=True, help_text="When did it start?")
    share_with_family = models.BooleanField(
        default=False, help_text="The child's other family accounts may watch it too."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    uploaded_type = models.CharField(max_length=40)
    uploaded_size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=300, blank=True, help_text="Deleted once processed.")
    playable_name = models.CharField(max_length=300, blank=True)
    playable_type = models.CharField(max_length=40, blank=True)
    playable_size = models.PositiveBigIntegerField(null=True, blank=True)
    thumbnail_name = models.CharField(max_length=300, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    # The review.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    record_note = models.CharField(max_length=500, blank=True)
    added_to_record_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_to_record_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(playable_name=""), name="video_ready_has_copy"
            ),
        ]

    def __str__(self) -> str:
        return f"Video {self.pk} of {self.patient_id}"

    @property
    def day(self):  # type: ignore[no-untyped-def]
        """The day it shows: when it started if the family said, else when it was sent."""
        return timezone.localdate(self.seen_at or self.created_at)


class VideoRetention(models.Model):
    """How long videos are kept: one row, set by the organisation's records policy."""

    days = models.PositiveIntegerField()
    label = models.CharField(max_length=200, help_text="Where the value comes from, in words.")
    is_demo = models.BooleanField(default=True, help_text="A demonstration value, not a records policy.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Keep family videos {self.days} days" + (" (demo value)" if self.is_demo else "")


class VideoDeletion(models.Model):
    """The audit row left when a video's files are deleted (append-only)."""

    video = models.ForeignKey(Video, on_delete=models.PROTECT, related_name="deletions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    files = models.JSONField(default=list, help_text="The storage names removed.")
    deleted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Deleted video {self.video_id}: {self.reason}"
