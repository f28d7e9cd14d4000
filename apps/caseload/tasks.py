from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def refresh_attention_scores() -> int:
    """Hourly: the time-based parts of the stored scores (overdue, no recent contact), and any drift."""
    return services.attention_refresh()
