"""Writes for family videos: the resumable upload, processing, review, and deletion.

The family's side: ``upload_start`` (the size and the prompt's answers), ``upload_chunk`` (bytes at
an offset; the first chunk is checked by content before anything is stored), ``upload_finish``
(one ``Video``, however often it is called). A refusal deletes the upload and its chunks, so bad
input leaves nothing behind. Scope (404) is the caller's: the child comes from ``visible_patients``.
"""

import datetime
import hashlib
import re
import uuid
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients import access
from apps.patients.models import Patient
from carecoord import uploads
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.limits import within

from . import storage
from .models import Video, VideoUpload

FAMILY_ONLY = "Only the child's family can send a video."
NOTE_MAX = 500
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def can_send_video(user: User, patient: Patient) -> bool:
    return roles.is_family(user) and access.can_see(user, patient.pk)


def _clean_prompt(note: str, seen_at: datetime.datetime | None) -> str:
    note = within(note, field="note", limit=NOTE_MAX, label="What did you see?")
    if seen_at is not None and seen_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"seen_at": "The time it started cannot be in the future."})
    return note


def upload_start(
    *,
    actor: User,
    patient: Patient,
    total_size: int,
    note: str = "",
    seen_at: datetime.datetime | None = None,
    share_with_family: bool = False,
    sha256: str = "",
) -> VideoUpload:
    """Open a resumable upload of ``total_size`` bytes. Refused before any byte if it is too big."""
    refuse_unless(can_send_video(actor, patient), FAMILY_ONLY)
    if total_size <= 0:
        raise ValidationError({"file": "The file is empty. Choose the video again."})
    if total_size > settings.VIDEO_MAX_BYTES:
        uploads.validate_video_head(b"", size=total_size, max_bytes=settings.VIDEO_MAX_BYTES)
    note = _clean_prompt(note, seen_at)
    sha256 = (sha256 or "").strip().lower()
    if sha256 and not SHA256.match(sha256):
        raise ValidationError({"sha256": "The checksum must be 64 hexadecimal characters (SHA-256)."})
    now = timezone.now()
    return VideoUpload.objects.create(
        patient=patient,
        uploaded_by=actor,
        total_size=total_size,
        note=note,
        seen_at=seen_at,
        share_with_family=share_with_family,
        sha256=sha256,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.VIDEO_UPLOAD_EXPIRE_HOURS),
    )


def own_upload(*, user: User, upload_id: uuid.UUID | str) -> VideoUpload:
    """The caller's own upload, for a child they still see; anyone else's is a 404."""
    found = (
        VideoUpload.objects.filter(
            pk=upload_id, uploaded_by=user, patient__in=access.visible_patient_ids(user)
        )
        .select_related("patient", "video")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _discard(upload: VideoUpload) -> None:
    """A refused upload leaves nothing behind: its row, then its chunks."""
    VideoUpload.objects.filter(pk=upload.pk, status=VideoUpload.Status.OPEN).delete()  # never a finished one
    storage.delete_chunks(upload.pk)


def upload_chunk(
    *, actor: User, upload: VideoUpload, start: int, data: bytes, total: int | None = None, sha256: str = ""
) -> VideoUpload:
    """Store ``data`` at byte ``start``. It must start where the upload stands (``received``): a
    phone that lost its connection asks for the offset and sends from there. A finished upload
    answers as it stands (a retried last chunk changes nothing)."""
    if upload.uploaded_by_id != actor.pk:
        raise Http404
    if upload.status == VideoUpload.Status.FINISHED:
        return upload
    if total is not None and total != upload.total_size:
        raise ValidationError({"file": "This part belongs to a file of another size. Start again."})
    if not data:
        raise ValidationError({"file": "No part of the video arrived. Try again."})
    if start + len(data) > upload.total_size:
        raise ValidationError({"file": "More of the video arrived than its size. Start again."})
    if sha256 and hashlib.sha256(data).hexdigest() != sha256.strip().lower():
        raise ValidationError({"file": "Part of the video was damaged on the way. Send it again."})
    content_type = ""
    if start == 0:
        try:
            content_type = uploads.validate_video_head(
                data[: uploads.VIDEO_HEAD_BYTES], size=upload.total_size, max_bytes=settings.VIDEO_MAX_BYTES
            )
        except ValidationError:
            if upload.received == 0:  # a refused first part: the upload goes, with nothing stored
                _discard(upload)
            raise
    with transaction.atomic(durable=True):
        locked = VideoUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status == VideoUpload.Status.FINISHED:
            return locked
        if start != locked.received:
            raise ApplicationError(
                f"The video should continue from byte {locked.received}.", code="offset_mismatch"
            )
        storage.put(storage.chunk_name(locked.pk, start), data)
        locked.received = start + len(data)
        locked.expires_at = timezone.now() + datetime.timedelta(hours=settings.VIDEO_UPLOAD_EXPIRE_HOURS)
        fields = ["received", "expires_at"]
        if content_type:
            locked.content_type = content_type
            fields.append("content_type")
        locked.save(update_fields=fields)
    return locked


def upload_finish(*, actor: User, upload: VideoUpload) -> Video:
    """Join the chunks into one video and queue its processing. A second call returns the first video."""
    if upload.uploaded_by_id != actor.pk:
        raise Http404
    refusal: Exception | None = None
    with transaction.atomic(durable=True):
        locked = VideoUpload.objects.select_for_update(of=("self",)).select_related("video").get(pk=upload.pk)
        if locked.status == VideoUpload.Status.FINISHED and locked.video is not None:
            return locked.video
        if locked.received < locked.total_size:
            raise ApplicationError(
                "Not all of the video has arrived yet. Keep this page open to carry on sending it.",
                code="incomplete",
            )
        joined, digest, size = storage.assemble(locked.pk, storage.chunk_names(locked.pk))
        with joined:
            head = joined.read(uploads.VIDEO_HEAD_BYTES)
            joined.seek(0)
            content_type = uploads.sniff_video_type(head)
            if size != locked.total_size or content_type is None:
                refusal = ValidationError({"file": "Part of the video was lost on the way. Send it again."})
            elif locked.sha256 and digest != locked.sha256:
                refusal = ValidationError({"file": "The video was damaged on the way. Send it again."})
            if refusal is None:
                video = _video_create(locked, joined, digest, size, content_type or "")
        if refusal is not None:
            locked.delete()
    if refusal is not None:
        storage.delete_chunks(upload.pk)
        raise refusal
    transaction.on_commit(lambda: storage.delete_chunks(upload.pk))
    return video


def _video_create(locked: VideoUpload, joined: IO[bytes], digest: str, size: int, content_type: str) -> Video:
    from .processing import processing_queue

    video = Video(
        patient=locked.patient,
        uploaded_by=locked.uploaded_by,
        note=locked.note,
        seen_at=locked.seen_at,
        share_with_family=locked.share_with_family,
        uploaded_type=content_type,
        uploaded_size=size,
        sha256=digest,
    )
    video.original_name = storage.video_name(locked.patient_id, video.uid, "original")
    storage.put(video.original_name, File(joined, name="original"))
    try:  # if the row cannot be written, the stored original must not stay behind
        video.save()
        locked.status = VideoUpload.Status.FINISHED
        locked.video = video
        locked.save(update_fields=["status", "video"])
    except Exception:
        storage.delete_quietly([video.original_name])
        raise
    processing_queue(video)
    return video


def video_send(
    *,
    actor: User,
    patient: Patient,
    file: File,
    note: str = "",
    seen_at: datetime.datetime | None = None,
    share_with_family: bool = False,
) -> Video:
    """The page without JavaScript: one POST of the whole file, through the same upload steps."""
    size = file.size or 0
    upload = upload_start(
        actor=actor,
        patient=patient,
        total_size=size,
        note=note,
        seen_at=seen_at,
        share_with_family=share_with_family,
    )
    start = 0
    file.seek(0)
    try:
        while block := file.read(settings.VIDEO_CHUNK_MAX_BYTES):
            upload = upload_chunk(actor=actor, upload=upload, start=start, data=block)
            start += len(block)
        return upload_finish(actor=actor, upload=upload)
    except Exception:
        _discard(upload)
        raise
