from celery import shared_task

from . import services
from .services import followup


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def send_appointment_reminders() -> int:
    return services.reminders_send_due()


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def open_due_reviews() -> int:
    return services.reviews_open_due()


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def repair_review_schedules() -> int:
    """Weekly: put right any stored re-evaluation date that drifted from a fresh computation."""
    return services.review_schedules_repair()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def check_course_follow_up() -> int:
    return followup.courses_check_follow_up()
