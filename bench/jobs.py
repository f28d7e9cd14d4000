"""Beat-job benchmark: every periodic job, busy (one item per child) and then idle, at hospital scale.

Builds ``BENCH_JOB_CHILDREN`` children (default 20000) with appointments, threads, referrals and results
(bulk_create), then runs each job at a frozen moment and prints its queries and seconds per run.
Not part of ``make test``. It needs a throwaway PostgreSQL database, which it fills:

    createdb -h 127.0.0.1 -U postgres cc_jobs_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_jobs_bench make bench-jobs

Publishing to the broker is replaced by a counter (``BENCH_PUBLISH=1`` keeps the real one), so the
figures are the jobs' own database work.
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

from apps.messaging.services import threads_escalate_unanswered
from apps.pathways.services import investigations_flag_unacknowledged
from apps.referrals.services import referrals_check_service_levels
from apps.scheduling.services import reminders_send_due
from bench.job_world import build_world

NOW = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # a Thursday morning
JOBS = {
    "reminders_send_due": reminders_send_due,
    "threads_escalate_unanswered": threads_escalate_unanswered,
    "referrals_check_service_levels": referrals_check_service_levels,
    "investigations_flag_unacknowledged": investigations_flag_unacknowledged,
}


def measure(job) -> tuple[int, int, float]:  # type: ignore[no-untyped-def]
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


def main() -> None:
    children = int(os.environ.get("BENCH_JOB_CHILDREN", "20000"))
    settings.MESSAGE_RESPONSE_WORKING_HOURS = 8
    settings.RESULT_ACKNOWLEDGE_DAYS = 7
    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark is for PostgreSQL.")
    publishes: list[int] = []
    with time_machine.travel(NOW, tick=True):
        started = time.perf_counter()
        build_world(children, now=NOW, prefix=f"J{int(time.time())}")
        print(f"built {children} children in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{'job':38} {'run':5} {'items':>7} {'queries':>8} {'seconds':>8}")
        with _publishing(publishes):
            for name, job in JOBS.items():
                for run in ("busy", "idle"):
                    done, queries, seconds = measure(job)
                    print(f"{name:38} {run:5} {done:>7} {queries:>8} {seconds:>8.2f}")
    if publishes:
        print(f"outbox: {sum(publishes)} deliveries queued in {len(publishes)} publish calls")


if __name__ == "__main__":
    main()
