"""What /healthz checks, each part bounded in time and named when it fails.

Database, broker (socket timeouts of about a second), beat (its own heartbeat, and how many beats
are running), the worker (its own heartbeat), the outbox (the oldest due email, failed and unknown
counts) and the last successful run of every periodic job.
"""

import datetime
from typing import Any

from celery.schedules import crontab, schedule
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.notifications.services import broker_is_backing_off, outbox_health
from carecoord.celery import app as celery_app

from .liveness import BEAT_PREFIX, JOB_PREFIX, WORKER_PREFIX
from .models import Heartbeat

Part = dict[str, Any]


def database() -> Part:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}


def broker() -> Part:
    if broker_is_backing_off():  # a publish just failed: do not spend another timeout finding out
        return {"status": "down", "error": "a recent publish failed"}
    timeout = settings.BROKER_SOCKET_TIMEOUT_SECONDS
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            conn.default_channel  # noqa: B018  (opens a channel: a hung Redis fails here, within the timeout)
        return {"status": "ok"}
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}


def _age(at: datetime.datetime | None, now: datetime.datetime) -> float | None:
    return round((now - at).total_seconds(), 1) if at else None


def processes(rows: list[Heartbeat], prefix: str, max_age: float, now: datetime.datetime) -> Part:
    """Beat or worker: ok when at least one process of this kind has a fresh heartbeat."""
    mine = [r for r in rows if r.name.startswith(prefix)]
    fresh = [r for r in mine if (now - r.at).total_seconds() <= max_age]
    latest = max((r.at for r in mine), default=None)
    status = "ok" if fresh else ("never" if latest is None else "stale")
    return {
        "status": status,
        "running": len(fresh),
        "last_heartbeat": latest.isoformat() if latest else None,
        "age_seconds": _age(latest, now),
    }


def _interval_seconds(entry: dict[str, Any]) -> float:
    every = entry["schedule"]
    if isinstance(every, int | float):
        return float(every)
    if isinstance(every, crontab):
        # The gap between its next two due times (a day for the daily jobs, a year for bank
        # holidays), plus an hour.
        last, delta, _ = every.remaining_delta(timezone.now())
        first = last + delta
        last, delta, _ = every.remaining_delta(first)
        return (last + delta - first).total_seconds() + 3600.0
    if isinstance(every, schedule):
        return every.run_every.total_seconds()
    return 3600.0


def jobs(rows: list[Heartbeat], beat_since: datetime.datetime | None, now: datetime.datetime) -> Part:
    """Each periodic job is late when its last success (or beat's start, if it never ran) is too old."""
    runs = {r.name.removeprefix(JOB_PREFIX): r.at for r in rows if r.name.startswith(JOB_PREFIX)}
    parts: dict[str, Part] = {}
    for key, entry in settings.CELERY_BEAT_SCHEDULE.items():
        allowed = 2 * _interval_seconds(entry) + 60
        last = runs.get(entry["task"])
        since = last or beat_since
        is_late = since is None or (now - since).total_seconds() > allowed
        parts[key] = {
            "status": "late" if is_late else "ok",
            "last_success": last.isoformat() if last else None,
        }
    late = sorted(k for k, p in parts.items() if p["status"] != "ok")
    return {"status": "late" if late else "ok", "late": late, "each": parts}


def report() -> tuple[bool, dict[str, Any]]:
    now = timezone.now()
    body: dict[str, Any] = {"database": database(), "broker": broker()}
    if body["database"]["status"] == "ok":
        rows = list(Heartbeat.objects.all())
        body["beat"] = processes(rows, BEAT_PREFIX, settings.HEALTHZ_BEAT_MAX_AGE_SECONDS, now)
        body["worker"] = processes(rows, WORKER_PREFIX, settings.HEALTHZ_WORKER_MAX_AGE_SECONDS, now)
        if body["beat"]["running"] > 1:
            body["beat"]["status"] = "more than one beat is running: keep one"
        beat_rows = [r.started_at for r in rows if r.name.startswith(BEAT_PREFIX) and r.started_at]
        body["jobs"] = jobs(rows, min(beat_rows, default=None), now)
        body["outbox"] = outbox_health(now=now)
    failing = [name for name, part in body.items() if part.get("status") != "ok"]
    if body["database"]["status"] != "ok":
        failing += ["beat", "worker", "jobs", "outbox"]  # unknown while the database is down
    body = {"status": "ok" if not failing else "unhealthy", "failing": failing, **body}
    return not failing, body
