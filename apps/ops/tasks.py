from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=20, time_limit=30, expires=60)
def beat_heartbeat() -> None:
    services.heartbeat_record(name="beat")
