"""Beat-job benchmark: every periodic job, busy and then idle, at hospital scale; then the outbox
through one real Celery worker on Redis.

Builds ``BENCH_JOB_CHILDREN`` children (default 20000) with bulk_create: with ``BENCH_JOB_ITEMS=1``
(default) each has an appointment, a thread, a referral and a result due for a job; with ``0`` only
the children and guardians (a large, quiet hospital). Every child also gets a diagnosis and a recorded
review, so about 2% fall due for re-evaluation (bench/review_world.py). Then it runs every job in
``CELERY_BEAT_SCHEDULE`` at a frozen moment and prints a table of items, queries and seconds per run,
and the re-evaluation scan on its own. Last (``BENCH_JOB_WORKER=1``, default), bench/job_worker.py:
a ``BENCH_OUTBOX_ROWS`` (10000) backlog drained by one worker, and ``BENCH_MESSAGES`` (200) messages'
time to a sent email. Needs Redis (REDIS_URL). Not part of ``make test``. It needs a throwaway
PostgreSQL database, which it fills:

    createdb -h 127.0.0.1 -U postgres cc_jobs_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_jobs_bench make bench-jobs

In the job table, publishing to the broker is replaced by a counter (``BENCH_PUBLISH=1`` keeps the
real one), so the figures are the jobs' own database work.
"""

import contextlib
import datetime
import os
import sys
import time
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecoord.settings")
if "DATABASE_URL" not in os.environ:
    raise SystemExit("Set DATABASE_URL to a throwaway PostgreSQL database (see the docstring).")

import django

django.setup()

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.scheduling.models import ReviewPolicy
from apps.scheduling.services import review_schedules_repair
from apps.scheduling.services.review_jobs import reviews_due_to_open
from bench import job_worker
from bench.job_world import build_world
from bench.review_world import build_reviews
from carecoord.celery import app

NOW = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Thursday morning


def measure(job) -> tuple[object, int, float]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        done = job()
        seconds = time.perf_counter() - start
    return done, len(queries), seconds


def _publishing(publishes: list[int]):  # type: ignore[no-untyped-def]
    """Count publish calls instead of talking to the broker, unless BENCH_PUBLISH is set."""
    if os.environ.get("BENCH_PUBLISH"):
        return contextlib.nullcontext()

    def publish(ids: list[int], **_: object) -> bool:
        publishes.append(len(ids))
        return True

    return mock.patch("apps.notifications.services._publish", side_effect=publish)


def _progress(total: int, started: float):  # type: ignore[no-untyped-def]
    def show(done: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r  {done:,}/{total:,} children ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    return show


def _items(done: object) -> str:
    if isinstance(done, int):
        return str(done)
    if isinstance(done, (list, tuple, set, dict)):
        return str(len(done))
    return "-"


def job_table() -> list[tuple[str, str, int]]:
    """Every periodic job in the beat schedule, busy then idle; returns (job, run, queries)."""
    app.loader.import_default_modules()
    print(
        f"{'periodic job (beat entry)':36} {'task':52} {'run':5} {'items':>7} {'queries':>8} {'seconds':>8}"
    )
    rows = []
    for entry, spec in settings.CELERY_BEAT_SCHEDULE.items():
        task = app.tasks[spec["task"]]
        for run in ("busy", "idle"):
            done, queries, seconds = measure(task.run)
            rows.append((entry, run, queries))
            print(f"{entry:36} {spec['task']:52} {run:5} {_items(done):>7} {queries:>8} {seconds:>8.2f}")
    return rows


def review_scan() -> None:
    """The re-evaluation scan on its own, idle: the daily repair over every child (its own beat job,
    review-schedules-daily), then the daily job's index read."""
    policies = list(ReviewPolicy.objects.filter(is_active=True).select_related("target_team"))
    drift, queries, seconds = measure(review_schedules_repair)
    print(
        f"re-evaluation repair (its own daily job, fresh computation, every child): {queries} queries, {seconds:.2f} s, {drift} drifted"
    )
    due, queries, seconds = measure(lambda: reviews_due_to_open(policies, NOW.date()))
    print(
        f"re-evaluation scan (stored dates, partial index): {queries} queries, {seconds * 1000:.1f} ms, {len(due)} due"
    )


def main() -> None:
    children = int(os.environ.get("BENCH_JOB_CHILDREN", "20000"))
    items = os.environ.get("BENCH_JOB_ITEMS", "1") == "1"
    settings.MESSAGE_RESPONSE_WORKING_HOURS = 8
    settings.RESULT_ACKNOWLEDGE_DAYS = 7
    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark is for PostgreSQL.")
    publishes: list[int] = []
    prefix = f"J{int(time.time())}"
    if os.environ.get("BENCH_JOB_TABLE", "1") == "1":
        _build_and_run_jobs(children, items=items, prefix=prefix, publishes=publishes)
    if os.environ.get("BENCH_JOB_WORKER", "1") == "1":
        job_worker.run(
            backlog=int(os.environ.get("BENCH_OUTBOX_ROWS", "10000")),
            messages=int(os.environ.get("BENCH_MESSAGES", "200")),
            concurrency=int(os.environ.get("BENCH_WORKER_CONCURRENCY", "2")),
        )


def _build_and_run_jobs(children: int, *, items: bool, prefix: str, publishes: list[int]) -> None:
    with time_machine.travel(NOW, tick=True):
        started = time.perf_counter()
        print(f"building {children:,} children ({'with' if items else 'without'} job items)", file=sys.stderr)
        build_world(children, now=NOW, prefix=prefix, items=items, progress=_progress(children, started))
        print(file=sys.stderr)
        print(f"built {children:,} children in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        build_reviews(today=NOW.date(), prefix=prefix)
        print(f"diagnoses, recorded reviews and stored review dates in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        with _publishing(publishes):
            rows = job_table()
            review_scan()
    if publishes:
        print(f"outbox: {sum(publishes)} deliveries queued in {len(publishes)} publish calls")
    worst = max((queries, entry) for entry, run, queries in rows if run == "idle")
    print(f"largest idle run: {worst[0]} queries ({worst[1]})")


if __name__ == "__main__":
    main()
