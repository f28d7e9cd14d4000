from celery import shared_task

from .milestones import transition_daily


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def open_transition_milestones() -> list[int]:
    return list(transition_daily())
