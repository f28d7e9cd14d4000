"""A worker SIGKILLed after the SMTP server accepted an email: the redelivered message sends nothing."""

import datetime
import os
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
from apps.notifications.tasks import deliver_email

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.xdist_group("celery")]

ROOT = Path(__file__).resolve().parents[2]


def _worker(queue: str, mail_dir: Path, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.killed_worker_settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CARECOORD_TEST_MAIL_DIR": str(mail_dir),
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
        wait_until(lambda: any(mail_dir.iterdir()), "the first worker to hand the email over", timeout=60)
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
    assert len(list(mail_dir.iterdir())) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING and delivery.attempts == 1
    services.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.UNKNOWN  # a person checks; no automatic second send
    assert len(list(mail_dir.iterdir())) == 1
