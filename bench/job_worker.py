"""The outbox through ONE real Celery worker on Redis, sending to a local SMTP sink (bench/jobs.py).

- ``drain_backlog``: 10,000 pending deliveries, one sweep (as beat runs it), seconds until all are sent.
- ``message_latency``: messages posted through ``message_post`` one at a time; the time from the call
  to its Delivery's ``sent_at`` stamp (written by the worker), p50 / p95. The bench polls for the
  row every 10 ms only to post the next message after it, so its polling does not load the machine.

Beside wall time, each phase prints the worker's CPU seconds (its processes, from /proc) and about
how many transactions the database committed (``pg_stat_database``): less noisy on a shared machine.

The sink is the standard library's ``smtpd`` (Python 3.11) in a child process: a real SMTP
conversation over loopback that discards the mail and counts it. The worker is a separate
``celery worker`` process with ``EMAIL_URL`` pointing at the sink.
"""

import asyncore
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import smtpd

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.messaging.models import Thread
from apps.messaging.services import message_post, thread_start
from apps.notifications.models import Delivery
from apps.notifications.services import outbox_sweep
from apps.patients.models import Patient
from carecoord.celery import app

ROOT = Path(__file__).resolve().parent.parent


RECEIVED = multiprocessing.Value("l", 0)


class Sink(smtpd.SMTPServer):
    def process_message(
        self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: Any
    ) -> None:
        with RECEIVED.get_lock():
            RECEIVED.value += 1


def _serve(port: Any) -> None:
    sink = Sink(("127.0.0.1", 0), None)
    port.value = int(sink.socket.getsockname()[1])
    asyncore.loop(timeout=0.02)


def start_sink() -> tuple[int, multiprocessing.Process]:
    """The sink in its own process, so it never waits on this one's polling for the GIL."""
    port = multiprocessing.Value("i", 0)
    process = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    process.start()
    while not port.value:
        time.sleep(0.05)
    return int(port.value), process


def worker_cpu_seconds(pid: int) -> float:
    """User + system CPU of the worker's main process and its live pool processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def commits() -> int:
    """Transactions committed in this database so far (the statistics lag by about a second)."""
    time.sleep(1.5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def start_worker(smtp_port: int, concurrency: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DJANGO_SETTINGS_MODULE": "carecoord.settings",
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "carecoord",
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname=bench-jobs@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return worker
    worker.terminate()
    raise SystemExit("The Celery worker did not answer a ping within 90 s.")


def drain_backlog(rows: int, *, limit: float = 900.0) -> tuple[float, int]:
    """Queue ``rows`` pending deliveries, sweep once, and time until every one is sent (so the
    message timings that follow never wait behind the backlog)."""
    now = timezone.now()
    created = Delivery.objects.bulk_create(
        (
            Delivery(
                to_address=f"backlog{i}@example.org",
                subject="A message is waiting",
                body="Sign in to CareCoord to read it.",
                next_attempt_at=now,
                queued_at=now,
            )
            for i in range(rows)
        ),
        batch_size=2000,
    )
    ids = [row.pk for row in created]
    started = time.perf_counter()
    outbox_sweep()
    sent = 0
    while time.perf_counter() - started < limit:
        sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT).count()
        if sent == len(ids):
            break
        time.sleep(0.5)
    return time.perf_counter() - started, sent


def message_latency(messages: int, *, limit: float = 10.0) -> tuple[list[float], list[Delivery]]:
    """Post ``messages`` staff replies in a family thread; ms from the call until its email is sent."""
    settings.MESSAGE_EMAIL_QUIET_MINUTES = 0  # every message emails the family (the bench's own setting)
    patient = (
        Patient.objects.filter(guardians__is_active=True, named_nurse__isnull=False).order_by("pk").first()
    )
    if patient is None:
        raise SystemExit("The world has no child with a guardian and a named nurse.")
    nurse = User.objects.get(pk=patient.named_nurse_id)
    thread: Thread = thread_start(actor=nurse, patient=patient, subject="Bench", body="Hello.")
    posted: list[tuple[int, Any]] = []  # (the last Delivery id before the call, when the call began)
    first = (Delivery.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    for n in range(messages):
        before = Delivery.objects.aggregate(m=Max("pk"))["m"] or 0
        started = time.perf_counter()
        posted.append((before, timezone.now()))
        message_post(actor=nurse, thread=thread, body=f"Update {n}.")
        while time.perf_counter() - started < limit:
            if Delivery.objects.filter(pk__gt=before, status=Delivery.Status.SENT).exists():
                break
            time.sleep(0.01)
    rows = list(Delivery.objects.filter(pk__gte=first, sent_at__isnull=False).order_by("pk"))
    timings = []
    for before, called in posted:
        sent = next((r.sent_at for r in rows if r.pk > before), None)
        timings.append((sent - called).total_seconds() * 1000 if sent else limit * 1000)
    return timings, rows


def _breakdown(rows: list[Delivery]) -> None:
    """Where the time goes, from the rows' own stamps: written -> claimed by the worker -> sent."""
    if not rows:
        return
    pickup = statistics.median(
        (r.claimed_at - r.created_at).total_seconds() * 1000 for r in rows if r.claimed_at
    )
    send = statistics.median((r.sent_at - r.claimed_at).total_seconds() * 1000 for r in rows if r.claimed_at)
    print(f"  median: row written -> claimed by the worker {pickup:.0f} ms; claimed -> sent {send:.0f} ms")


def run(*, backlog: int, messages: int, concurrency: int) -> None:
    port, sink = start_sink()
    app.control.purge()
    worker = start_worker(port, concurrency)
    try:
        print(f"\noutbox through one real worker (concurrency {concurrency}) on Redis, SMTP sink on :{port}")
        cpu, done = worker_cpu_seconds(worker.pid), commits()
        seconds, sent = drain_backlog(backlog)
        cpu, done = worker_cpu_seconds(worker.pid) - cpu, commits() - done
        print(f"backlog: {sent}/{backlog} deliveries sent in {seconds:.1f} s ({sent / seconds:.0f}/s)")
        print(
            f"  worker CPU {cpu:.1f} s; about {done:,} database commits ({done / max(sent, 1):.2f} per email)"
        )
        cpu, done = worker_cpu_seconds(worker.pid), commits()
        timings, sent_rows = message_latency(messages)
        cpu, done = worker_cpu_seconds(worker.pid) - cpu, commits() - done
        p50 = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"message to sent email: {messages} messages, p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms"
        )
        print(f"  worker CPU {cpu:.1f} s; about {done:,} database commits (the bench's own polls included)")
        _breakdown(sent_rows)
        print(f"SMTP sink received {RECEIVED.value} emails")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sink.terminate()
