from celery import shared_task

from .export import export_build, exports_expire


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=540, time_limit=600)
def build_research_export(export_id: int) -> bool:
    """Build one requested export; a redelivery finds it no longer pending and does nothing."""
    return export_build(export_id=export_id) is not None


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def expire_research_exports() -> int:
    return exports_expire()
