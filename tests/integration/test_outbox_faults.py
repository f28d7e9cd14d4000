"""The outbox under real faults: a hung Redis, a database connection dropped mid-send, a dead worker."""

import datetime
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery
from apps.notifications.tasks import CLAIM_CHUNK, deliver_email, deliver_emails
from apps.ops.liveness import BEAT_PREFIX, WORKER_PREFIX
from apps.ops.models import Heartbeat
from apps.ops.services import heartbeat_record

from .conftest import WorkerProbe, broker_at, wait_until
from .faults import BlackHoleBroker, terminate_backend

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("celery")]


@pytest.fixture
def breaker_reset() -> Iterator[None]:
    services._broker_down_until = 0.0
    yield
    services._broker_down_until = 0.0


@pytest.fixture
def hung_broker(require_redis: str, breaker_reset: None) -> Iterator[BlackHoleBroker]:
    broker = BlackHoleBroker()
    yield broker
    broker.close()


def _timed(call):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_hung_redis_delays_no_request_by_more_than_two_seconds(cast, api_for, hung_broker):
    client = api_for(cast.family_a)
    url = f"/api/v1/patients/{cast.child_a.pk}/threads/"
    with broker_at(hung_broker.url):
        first, first_took = _timed(
            lambda: client.post(url, {"subject": "Wobbly", "body": "Since Sunday"}, format="json")
        )
        second, second_took = _timed(
            lambda: client.post(url, {"subject": "Sleep", "body": "Up at 3am"}, format="json")
        )
        health, health_took = _timed(lambda: client.get("/healthz"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first_took < 3.0, f"the first request waited {first_took:.1f}s on a hung Redis"
    assert second_took < 1.0, "the circuit breaker should spare later requests the timeout"
    assert health.status_code == 503 and "broker" in health.json()["failing"] and health_took < 3.0
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() >= 1  # kept for the sweeper


class DroppingBackend(EmailBackend):
    """Sends (into the test outbox), then the database drops this worker thread's connection."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        sent = super().send_messages(messages)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        terminate_backend(pid)
        return sent


@pytest.mark.postgres
def test_a_connection_dropped_between_send_and_mark_sent_sends_no_duplicate(
    celery_worker: WorkerProbe, mailoutbox: list, settings, require_postgres
) -> None:
    settings.EMAIL_BACKEND = "tests.integration.test_outbox_faults.DroppingBackend"
    delivery = Delivery.objects.create(to_address="drop@example.org", subject="Update", body="Hi")
    deliver_email.delay(delivery.pk)
    celery_worker.wait_for_runs(deliver_email.name, 1, (delivery.pk,))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT  # marked on a fresh connection
    # A redelivery and a sweep an hour later send nothing more.
    deliver_email.delay(delivery.pk)
    celery_worker.wait_for_runs(deliver_email.name, 2, (delivery.pk,))
    services.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    assert len(mail.outbox) == 1


class DroppingEveryFewBackend(EmailBackend):
    """Sends each message (into the test outbox); after every third one the database drops the
    worker thread's connection, so a batch loses it in the middle of a claimed chunk."""

    sent = 0

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        count = super().send_messages(messages)
        DroppingEveryFewBackend.sent += count
        if DroppingEveryFewBackend.sent % 3 == 0:
            if connection.connection is not None and not connection.is_usable():
                connection.close()  # dropped three messages ago: find the pid of a fresh one
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            terminate_backend(pid)
        return count


@pytest.mark.postgres
def test_connections_dropped_in_the_middle_of_a_batch_send_each_email_once(
    celery_worker: WorkerProbe, mailoutbox: list, settings, require_postgres
) -> None:
    settings.EMAIL_BACKEND = "tests.integration.test_outbox_faults.DroppingEveryFewBackend"
    DroppingEveryFewBackend.sent = 0
    rows = Delivery.objects.bulk_create(
        Delivery(to_address=f"batch{i}@example.org", subject="Update", body="Hi")
        for i in range(2 * CLAIM_CHUNK + 5)  # three claimed chunks, the last one short
    )
    ids = [row.pk for row in rows]
    deliver_emails.delay(ids)
    celery_worker.wait_for_runs(deliver_emails.name, 1)
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
    # The same batch redelivered, and a sweep an hour later, send nothing more.
    deliver_emails.delay(ids)
    celery_worker.wait_for_runs(deliver_emails.name, 2)
    services.outbox_sweep(now=timezone.now() + datetime.timedelta(hours=1))
    addresses = [m.to[0] for m in mail.outbox]
    assert sorted(addresses) == sorted(row.to_address for row in rows)  # each exactly once


def test_a_dead_worker_is_named_on_healthz(celery_worker: WorkerProbe, client) -> None:
    wait_until(
        lambda: Heartbeat.objects.filter(name__startswith=WORKER_PREFIX).exists(), "the worker's heartbeat"
    )
    heartbeat_record(name=f"{BEAT_PREFIX}test:1")
    assert "worker" not in client.get("/healthz").json()["failing"]
    later = timezone.now() + datetime.timedelta(minutes=5)
    with time_machine.travel(later):
        heartbeat_record(name=f"{BEAT_PREFIX}test:1")  # beat is fine; no worker has beaten since
        Heartbeat.objects.filter(name__startswith=WORKER_PREFIX).update(
            at=later - datetime.timedelta(minutes=5)
        )
        body = client.get("/healthz").json()
    assert (
        body["worker"]["status"] == "stale" and "worker" in body["failing"] and "beat" not in body["failing"]
    )
