from celery import shared_task

from .jobs import assignments_create_due


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def create_due_questionnaire_assignments() -> int:
    return assignments_create_due()
