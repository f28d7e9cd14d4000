"""Processing a family video with ffmpeg, as an outbox job: the ``Video`` row in ``processing`` is
the job, written in the upload's transaction. The task is queued on commit; if Redis was down, the
beat sweeper finds the row and queues it again. A conditional UPDATE claims it, so two workers (or a
redelivery) never process one video twice; a claim older than the time limit is taken over.
"""

import datetime
import logging
import os
import tempfile

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.notifications.services import broker_is_backing_off, notification_create
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open

from . import media, storage
from .models import Video

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# A video the worker never picked up is queued again after this long.
SWEEP_AFTER = datetime.timedelta(minutes=2)
COULD_NOT_PLAY = (
    "We could not play this video. It may not be a video file, or it may be damaged. "
    "Try recording it again with your phone's camera."
)


def review_source_key(video: Video) -> str:
    return f"video-review:{video.pk}"


def _publish(video_id: int) -> bool:
    """Queue the task; a broker that is down or hung is logged, and the sweeper picks the row up."""
    from .tasks import process_video

    if broker_is_backing_off():
        return False
    try:
        process_video.apply_async(args=[video_id], retry=False)
    except Exception:  # the broker is unreachable: the row stays processing for the sweeper
        logger.warning("Videos: could not queue processing of video %s; the sweeper will", video_id)
        return False
    return True


def processing_queue(video: Video) -> None:
    """Queue processing once the caller's transaction commits (the row is the job)."""
    video_id = video.pk
    transaction.on_commit(lambda: _publish(video_id))


def _claim(video_id: int) -> bool:
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.VIDEO_PROCESS_TIMEOUT_SECONDS + 60)
    return bool(
        Video.objects.filter(pk=video_id, status=Video.Status.PROCESSING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def video_process(*, video_id: int) -> None:
    """Make the web copy and the thumbnail, then mark the video ready with the nurse's review task.

    A file ffmpeg cannot decode (a renamed non-video) is marked failed, and the family is told in
    plain words. A missing ffmpeg is the service's fault, not the file's: the error is raised so
    the task retries, and the claim lapses for the sweeper.
    """
    if not _claim(video_id):
        return
    video = Video.objects.select_related("patient").get(pk=video_id)
    if video.attempts > MAX_ATTEMPTS:
        _fail(video, "We tried several times and could not get this video ready. Please send it again.")
        return
    try:
        _process(video)
    except OSError:
        # ffmpeg missing, a full disk, the store unreachable: not the file's fault. Let go of the
        # claim so the retry (or the sweeper) can take it.
        Video.objects.filter(pk=video.pk, status=Video.Status.PROCESSING).update(claimed_at=None)
        raise


def _process(video: Video) -> None:
    with tempfile.TemporaryDirectory(prefix="carecoord-video-") as tmp:
        source, web, thumb = (os.path.join(tmp, n) for n in ("original", "web.mp4", "thumbnail.jpg"))
        storage.download_to(video.original_name, source)
        try:
            found = media.probe(source)
            if not found.has_video:
                raise media.NotAVideo("no video stream")
            media.make_web_copy(source, web)
            copy = media.probe(web)
            media.make_thumbnail(web, thumb, at=min(1.0, (copy.duration or 0) / 2))
        except media.NotAVideo:
            _fail(video, COULD_NOT_PLAY)
            return
        playable = storage.upload_from(web, storage.video_name(video.patient_id, video.uid, "web.mp4"))
        thumbnail = storage.upload_from(
            thumb, storage.video_name(video.patient_id, video.uid, "thumbnail.jpg")
        )
        playable_size = os.path.getsize(web)
    _ready(video, playable, thumbnail, playable_size, copy.duration)


def _ready(video: Video, playable: str, thumbnail: str, size: int, duration: float | None) -> None:
    with transaction.atomic(durable=True):
        locked = (
            Video.objects.select_for_update(of=("self",))
            .select_related("patient")
            .filter(pk=video.pk)
            .first()
        )
        if locked is None or locked.status != Video.Status.PROCESSING:
            transaction.on_commit(lambda: storage.delete_quietly([playable, thumbnail]))
            return
        original = locked.original_name
        locked.status = Video.Status.READY
        locked.playable_name, locked.playable_type, locked.playable_size = playable, "video/mp4", size
        locked.thumbnail_name, locked.duration_seconds = thumbnail, duration
        locked.original_name = ""  # the original still carries its location tags: it goes
        locked.ready_at = timezone.now()
        locked.save(
            update_fields=[
                "status", "playable_name", "playable_type", "playable_size", "thumbnail_name",
                "duration_seconds", "original_name", "ready_at",
            ]
        )  # fmt: skip
        _review_task_open(locked)
        transaction.on_commit(lambda: storage.delete_quietly([original]))


def _review_task_open(video: Video) -> Task:
    patient = video.patient
    nurse, queue = named_nurse_or_nursing_queue(patient)
    said = f"The family said: {video.note}\n\n" if video.note else ""
    return task_open(
        title=f"Watch the video {patient.given_name}'s family sent",
        source=Task.Source.FAMILY_VIDEO,
        assignee=nurse,
        team=queue,
        patient=patient,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
        priority=Task.Priority.HIGH,
        detail=f"{said}Mark it seen in clinic or significant, and add it to the record with a note if it matters.",
        source_key=review_source_key(video),
        link_url=f"/patients/{patient.pk}/videos/#video-{video.pk}",
    )


def _fail(video: Video, reason: str) -> None:
    with transaction.atomic(durable=True):
        locked = Video.objects.select_for_update().filter(pk=video.pk, status=Video.Status.PROCESSING).first()
        if locked is None:
            return
        original = locked.original_name
        locked.status, locked.failure_reason, locked.original_name = Video.Status.FAILED, reason, ""
        locked.save(update_fields=["status", "failure_reason", "original_name"])
        notification_create(
            recipient=locked.uploaded_by,
            kind="video_failed",
            title="We could not play the video you sent. Open it to see what to do.",
            url=f"/portal/videos/{locked.pk}/",
            patient_id=locked.patient_id,
        )
        transaction.on_commit(lambda: storage.delete_quietly([original]))


def videos_processing_sweep(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again every video still processing that no worker holds (Redis was down, a worker died)."""
    from .tasks import process_video

    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.VIDEO_PROCESS_TIMEOUT_SECONDS + 60)
    ids = list(
        Video.objects.filter(status=Video.Status.PROCESSING, created_at__lt=now - SWEEP_AFTER)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .values_list("pk", flat=True)[:500]
    )
    for video_id in ids:
        process_video.apply_async(args=[video_id], retry=False)
    return ids
