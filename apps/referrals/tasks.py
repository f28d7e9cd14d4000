from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def check_service_levels() -> int:
    return services.referrals_check_service_levels()
