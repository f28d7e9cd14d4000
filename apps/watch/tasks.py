from celery import shared_task

from .prompts import diary_prompts_send


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def send_diary_prompts() -> int:
    """Daily: ask the families of children in a watch for today's diary (idempotent per day)."""
    return diary_prompts_send()
