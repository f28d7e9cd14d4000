"""A worker SIGKILLed after the SMTP server accepted an email: the redelivered message sends nothing
(one email, or in the middle of a batch)."""

import datetime
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery
from apps.notifications.tasks import CLAIM_CHUNK, deliver_email, deliver_emails

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.xdist_group("celery")]

ROOT = Path(__file__).resolve().parents[2]


def _sent_to(mail_dir: Path) -> list[str]:
    """Every recipient the file backend wrote, one per message (a batch shares one file)."""
    text = "".join(path.read_text(errors="replace") for path in sorted(mail_dir.iterdir()))
    return re.findall(r"^To: (.+?)\s*$", text, flags=re.MULTILINE)


def _worker(queue: str, mail_dir: Path, log: Path, backend: str = "") -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.killed_worker_settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CARECOORD_TEST_MAIL_DIR": str(mail_dir),
        **({"CARECOORD_TEST_MAIL_BACKEND": backend} if backend else {}),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "carecoord",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def test_a_redelivery_after_sigkill_sends_nothing_twice(
    transactional_db, require_redis, require_postgres, tmp_path
):
    queue = f"carecoord-kill-{os.getpid()}-{time.monotonic_ns()}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    delivery = Delivery.objects.create(to_address="kill@example.org", subject="Update", body="Hi")
    first = _worker(queue, mail_dir, tmp_path / "first.log")
    try:
        deliver_email.apply_async(args=[delivery.pk], queue=queue)
        wait_until(lambda: _sent_to(mail_dir), "the first worker to hand the email over", timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    second = _worker(queue, mail_dir, tmp_path / "second.log")
    try:
        log = tmp_path / "second.log"
        wait_until(
            lambda: "deliver_email" in log.read_text() and "succeeded" in log.read_text(),
            "the redelivered message to run on the second worker",
            timeout=60,
        )
    finally:
        second.terminate()
        second.wait(20)
    assert _sent_to(mail_dir) == ["kill@example.org"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING and delivery.attempts == 1
    services.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.UNKNOWN  # a person checks; no automatic second send
    assert _sent_to(mail_dir) == ["kill@example.org"]


def test_a_worker_killed_in_the_middle_of_a_batch_sends_nothing_twice(
    transactional_db, require_redis, require_postgres, tmp_path
):
    """The first chunk was claimed and is half sent when the worker dies; the second was never claimed."""
    queue = f"carecoord-kill-{os.getpid()}-{time.monotonic_ns()}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    addresses = [f"batch{i}@example.org" for i in range(CLAIM_CHUNK + 5)]
    addresses[2] = "hang@example.org"  # the worker hangs after the SMTP server accepted this one
    rows = Delivery.objects.bulk_create(
        Delivery(to_address=address, subject="Update", body="Hi") for address in addresses
    )
    ids = [row.pk for row in rows]
    backend = "tests.integration.faults.HangOnAddressBackend"
    first = _worker(queue, mail_dir, tmp_path / "first.log", backend)
    try:
        deliver_emails.apply_async(args=[ids], queue=queue)
        wait_until(lambda: "hang@example.org" in _sent_to(mail_dir), "the batch to reach its third row", 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    second = _worker(queue, mail_dir, tmp_path / "second.log", backend)
    try:
        log = tmp_path / "second.log"
        wait_until(
            lambda: "deliver_emails" in log.read_text() and "succeeded" in log.read_text(),
            "the redelivered batch to run on the second worker",
            timeout=60,
        )
    finally:
        second.terminate()
        second.wait(20)
    sent = _sent_to(mail_dir)
    assert len(sent) == len(set(sent))  # nothing twice
    # The first chunk's three sends before the kill, and the second chunk by the second worker; the
    # rest of the first chunk was claimed, so it is never sent automatically.
    assert set(sent) == {*addresses[:3], *addresses[CLAIM_CHUNK:]}
    status = dict(Delivery.objects.filter(pk__in=ids).values_list("to_address", "status"))
    assert {status[a] for a in addresses[:CLAIM_CHUNK]} == {Delivery.Status.SENDING}
    assert {status[a] for a in addresses[CLAIM_CHUNK:]} == {Delivery.Status.SENT}
    services.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    unknown = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.UNKNOWN).count()
    assert unknown == CLAIM_CHUNK and len(_sent_to(mail_dir)) == len(sent)  # a person checks these
