"""Caseload import jobs: thin and idempotent, the job's id only. Each picks up where a previous run
stopped (rows already planned or applied are skipped)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=1500, time_limit=1560)
def plan_import(job_id: int) -> None:
    try:
        services.plan_rows(job_id=job_id)
    except SoftTimeLimitExceeded:
        logger.warning("Caseload import %s: the dry run stopped at its time limit", job_id)
        services.import_fail(job_id=job_id, error="The dry run took too long. Split the file and try again.")


@shared_task(acks_late=True, soft_time_limit=1500, time_limit=1560)
def apply_import(job_id: int) -> None:
    try:
        services.apply_rows(job_id=job_id)
    except SoftTimeLimitExceeded:
        logger.warning("Caseload import %s: applying stopped at its time limit", job_id)
        services.import_fail(
            job_id=job_id,
            error="Applying took too long. The rows marked as applied were saved; upload the rest again.",
        )
