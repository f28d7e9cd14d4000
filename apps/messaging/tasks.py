from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def escalate_unanswered_messages() -> int:
    return services.threads_escalate_unanswered()
