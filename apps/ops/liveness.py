"""Heartbeats written by the processes themselves, so /healthz can name the part that died.

- Beat writes its own row from its scheduler tick (``HeartbeatScheduler``), one row per process.
- Each worker process writes its own row from a timer in the worker (``WorkerHeartbeat`` bootstep),
  independent of beat.
- Every periodic job records its last successful run when a worker finishes it (``task_success``).
"""

import logging
import os
import socket
import time
from typing import Any

from celery import bootsteps
from celery.beat import PersistentScheduler
from celery.signals import task_success
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
BEAT_PREFIX = "beat@"
WORKER_PREFIX = "worker@"
JOB_PREFIX = "job:"


def instance_name(prefix: str) -> str:
    return f"{prefix}{socket.gethostname()}:{os.getpid()}"


def _beat_safely(name: str) -> None:
    """A heartbeat must never take its process down: a database error is logged and skipped."""
    from .services import heartbeat_record  # this module loads with Celery, before Django's apps

    try:
        heartbeat_record(name=name)
    except DatabaseError as exc:
        logger.warning("Heartbeat %s not recorded: %s", name, exc)
    finally:
        # Timer and scheduler threads hold no long-lived connection (a fresh one each beat), unless
        # this runs inside a caller's transaction (a task run eagerly).
        if not connection.in_atomic_block:
            connection.close()


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's scheduler, recording that this beat process is alive on every tick."""

    _last = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now - self._last >= HEARTBEAT_SECONDS:
            self._last = now
            _beat_safely(instance_name(BEAT_PREFIX))
        return min(super().tick(*args, **kwargs), HEARTBEAT_SECONDS)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker's own heartbeat on the worker's timer (every 15 s while the worker runs)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        name = instance_name(WORKER_PREFIX)
        _beat_safely(name)
        self.tref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, _beat_safely, (name,), priority=10)

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()


def periodic_task_names() -> set[str]:
    return {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


@task_success.connect
def _record_job_success(sender: Any = None, **kwargs: Any) -> None:
    name = getattr(sender, "name", "")
    if name in periodic_task_names():
        _beat_safely(f"{JOB_PREFIX}{name}")
