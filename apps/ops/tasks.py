from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=20, time_limit=30, expires=60)
def pipeline_heartbeat() -> None:
    """Does nothing: beat publishes it every 15 s, and a worker finishing it proves the pipeline works
    (its success is recorded like every periodic job's, by apps.ops.liveness)."""


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def prune_idempotency_keys() -> int:
    from .idempotency import idempotent_requests_prune

    return idempotent_requests_prune()
