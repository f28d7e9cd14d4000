from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def flag_unacknowledged_results() -> int:
    return services.investigations_flag_unacknowledged()
