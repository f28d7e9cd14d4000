from celery import shared_task

from . import cover


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def hand_over_for_absence() -> int:
    return cover.tasks_hand_over_absent()
