from celery import shared_task

from . import services
from .services import proxy_reviews, response_review, surveillance, symptom_escalation


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def flag_unacknowledged_results() -> int:
    return services.investigations_flag_unacknowledged()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def review_proxy_access() -> list[int]:
    return list(proxy_reviews.proxy_access_review_daily())


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def open_response_reviews() -> int:
    return response_review.response_reviews_open()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def request_tumour_surveillance() -> list[int]:
    return list(surveillance.surveillance_request_due())


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def escalate_unreviewed_symptom_reports() -> int:
    return symptom_escalation.symptom_reports_escalate()
