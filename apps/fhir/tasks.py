"""Bulk export jobs: thin and idempotent, the export's id only (the claim makes a repeat a no-op)."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import bulk

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=1500, time_limit=1560)
def run_bulk_export(export_id: str) -> None:
    try:
        bulk.bulk_export_run(export_id=export_id)
    except SoftTimeLimitExceeded:
        logger.warning("Bulk export %s stopped at its time limit", export_id)
        bulk.bulk_export_fail(export_id=export_id, error="The export took too long. Ask for fewer types.")
    except Exception:
        # Never a half-finished export that looks done: the manifest's error list says what happened.
        logger.exception("Bulk export %s failed", export_id)
        bulk.bulk_export_fail(export_id=export_id, error="An unexpected error stopped the export.")


@shared_task
def sweep_bulk_exports() -> tuple[int, int]:
    return bulk.bulk_exports_sweep()
