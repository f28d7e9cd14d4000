"""Staff writes on a family video: the review (seen in clinic / significant), adding it to the record
with a note (a pathway timeline entry), and deletion past the retention period."""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients import access
from apps.tasks.services import tasks_complete_for_sources
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.limits import within

from . import storage
from .models import Video, VideoDeletion, VideoRetention, VideoUpload
from .processing import review_source_key

logger = logging.getLogger(__name__)
CARE_TEAM_ONLY = "Only the child's care team can review a family video."
NOT_READY = "This video is not ready to review."


def can_review_child(user: User, patient_id: int) -> bool:
    """The child's care team and named nurse: a break-glass reader may watch, but not review."""
    return (
        roles.staff_role(user) is not None and access.caseload_patients(user).filter(pk=patient_id).exists()
    )


def can_review(user: User, video: Video) -> bool:
    return can_review_child(user, video.patient_id)


def _locked_ready(video: Video) -> Video:
    locked = Video.objects.select_for_update().get(pk=video.pk)
    if locked.status != Video.Status.READY:
        raise ApplicationError.stale(NOT_READY)
    return locked


def video_review(*, actor: User, video: Video, outcome: str) -> Video:
    """Mark the video seen in clinic or significant; the review task is done."""
    refuse_unless(can_review(actor, video), CARE_TEAM_ONLY)
    if outcome not in Video.Outcome.values:
        raise ValidationError({"outcome": "Choose 'seen in clinic' or 'significant'."})
    with transaction.atomic(durable=True):
        locked = _locked_ready(video)
        locked.outcome, locked.reviewed_by, locked.reviewed_at = outcome, actor, timezone.now()
        locked.save(update_fields=["outcome", "reviewed_by", "reviewed_at"])
        tasks_complete_for_sources(source_keys=[review_source_key(locked)], actor=actor)
    return locked


def video_add_to_record(*, actor: User, video: Video, note: str) -> Video:
    """Add the video to the child's record with a note: it appears on the pathway timeline."""
    refuse_unless(can_review(actor, video), CARE_TEAM_ONLY)
    note = within(note, field="note", limit=500, label="Note for the record")
    if not note:
        raise ValidationError({"note": "Write a note for the record: what the video shows."})
    with transaction.atomic(durable=True):
        locked = _locked_ready(video)
        if locked.added_to_record_at is not None:
            raise ApplicationError.stale("This video is already in the record.")
        locked.record_note, locked.added_to_record_by = note, actor
        locked.added_to_record_at = timezone.now()
        locked.save(update_fields=["record_note", "added_to_record_by", "added_to_record_at"])
        if not locked.outcome:  # adding it to the record is a review too
            locked.reviewed_by, locked.reviewed_at = actor, locked.added_to_record_at
            locked.save(update_fields=["reviewed_by", "reviewed_at"])
        tasks_complete_for_sources(source_keys=[review_source_key(locked)], actor=actor)
    return locked


def retention_policy() -> VideoRetention | None:
    """The retention period in force (the latest row); None until one is set, when nothing is deleted."""
    return VideoRetention.objects.order_by("-updated_at", "-id").first()


def videos_delete_expired(*, now: datetime.datetime | None = None) -> list[int]:
    """Delete the files of every video older than the retention period, leaving an audit row each.

    Set-based and safe to run twice: a video is locked and checked again before its files go, and a
    deleted one is no longer selected.
    """
    now = now or timezone.now()
    policy = retention_policy()
    if policy is None:
        logger.warning("Videos: no retention period is set, so no video is deleted")
        return []
    cutoff = now - datetime.timedelta(days=policy.days)
    candidates = list(
        Video.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=[Video.Status.DELETED, Video.Status.PROCESSING])
        .values_list("pk", flat=True)[:1000]
    )
    deleted = []
    for video_id in candidates:
        with transaction.atomic():
            locked = Video.objects.select_for_update(skip_locked=True).filter(pk=video_id).first()
            if locked is None or locked.status in (Video.Status.DELETED, Video.Status.PROCESSING):
                continue
            names = [n for n in (locked.original_name, locked.playable_name, locked.thumbnail_name) if n]
            gone = storage.delete_quietly(names)
            VideoDeletion.objects.create(
                video=locked,
                patient_id=locked.patient_id,
                reason=f"Past the retention period ({policy.days} days)",
                retention_days=policy.days,
                files=gone,
                deleted_at=now,
            )
            locked.status, locked.deleted_at = Video.Status.DELETED, now
            locked.original_name = locked.playable_name = locked.thumbnail_name = ""
            locked.save(
                update_fields=["status", "deleted_at", "original_name", "playable_name", "thumbnail_name"]
            )
            tasks_complete_for_sources(source_keys=[review_source_key(locked)])
            deleted.append(video_id)
    return deleted


def uploads_expire(*, now: datetime.datetime | None = None) -> int:
    """Drop uploads left unfinished past their expiry (a phone that gave up), with their partial files."""
    now = now or timezone.now()
    expired = list(
        VideoUpload.objects.filter(status=VideoUpload.Status.OPEN, expires_at__lt=now).values_list(
            "pk", flat=True
        )[:1000]
    )
    for upload_id in expired:
        with transaction.atomic():
            if VideoUpload.objects.filter(
                pk=upload_id, status=VideoUpload.Status.OPEN, expires_at__lt=now
            ).delete()[0]:
                transaction.on_commit(partial(storage.delete_chunks, upload_id))
    return len(expired)
