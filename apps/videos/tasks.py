"""Celery tasks for family videos: thin, idempotent, ids only (no patient data in messages)."""

from celery import shared_task

from . import processing, review


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=900,
    time_limit=960,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def process_video(video_id: int) -> None:
    processing.video_process(video_id=video_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_video_processing() -> int:
    return len(processing.videos_processing_sweep())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_video_uploads() -> int:
    return review.uploads_expire()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def delete_expired_videos() -> int:
    return len(review.videos_delete_expired())
