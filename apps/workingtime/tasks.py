from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def refresh_bank_holidays() -> int:
    """Yearly: keep the bank holidays ``YEARS_AHEAD`` years ahead (a no-op when they are there)."""
    return services.bank_holidays_refresh()
