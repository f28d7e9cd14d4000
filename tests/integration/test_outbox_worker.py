"""The outbox against a real Celery worker on Redis: sent once, and nothing lost when Redis is down."""

import datetime
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery
from apps.notifications.tasks import deliver_email, sweep_outbox

from ..factories import StaffFactory
from .conftest import WorkerProbe, broker_at

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("celery")]

DELIVER = deliver_email.name
SWEEP = sweep_outbox.name
# Nothing listens on port 1: connecting is refused at once, as when Redis is down.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def test_it_sends_a_delivery_written_in_a_transaction_exactly_once(
    celery_worker: WorkerProbe, mailoutbox: list
) -> None:
    nurse = StaffFactory(email="nina.nurse@example.org")
    with transaction.atomic():
        notification = services.notification_create(
            recipient=nurse, kind="referral", title="A referral arrived", url="/caseload/"
        )
        delivery = notification.deliveries.get()
        # Still inside the transaction: nothing is queued before the commit.
        assert delivery.status == Delivery.Status.PENDING

    [run] = celery_worker.wait_for_runs(DELIVER, 1, (delivery.pk,))
    assert run.state == "SUCCESS"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 1 and delivery.sent_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nina.nurse@example.org"]
    assert "A referral arrived" not in mailoutbox[0].body  # the email only says "log in to see it"


def test_it_keeps_a_delivery_through_a_broker_outage_and_the_sweeper_sends_it_once(
    celery_worker: WorkerProbe, mailoutbox: list, caplog: pytest.LogCaptureFixture, settings
) -> None:
    caplog.set_level(logging.WARNING, logger="apps.notifications.services")

    # The commit succeeds, and the failed publish (on commit) does not reach the caller.
    with broker_at(UNREACHABLE_BROKER), transaction.atomic():
        delivery = services.email_enqueue(to_address="family@example.org", subject="Update", body="Hi")

    assert f"could not queue delivery {delivery.pk}" in caplog.text  # the publish really failed
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 0
    assert celery_worker.runs(DELIVER) == [] and mailoutbox == []

    # Redis is back. The sweeper re-queues the row and the worker sends it.
    later = timezone.now() + datetime.timedelta(hours=1)  # past the row's next attempt
    assert services.outbox_sweep(now=later) == [delivery.pk]
    [run] = celery_worker.wait_for_runs(DELIVER, 1, (delivery.pk,))
    assert run.state == "SUCCESS"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["family@example.org"]

    # The next beat sweep (as the periodic task, through the worker) finds nothing stale.
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    sweep_outbox.delay()
    [sweep] = celery_worker.wait_for_runs(SWEEP, 1)
    assert sweep.state == "SUCCESS" and sweep.retval == 0
    assert len(celery_worker.runs(DELIVER)) == 1
    assert len(mailoutbox) == 1


def test_it_sends_once_when_the_same_delivery_task_is_delivered_twice(
    celery_worker: WorkerProbe, mailoutbox: list
) -> None:
    # Written outside the outbox service so that exactly the two messages below reach the worker.
    delivery = Delivery.objects.create(to_address="twice@example.org", subject="Update", body="Hi")

    # A redelivery (visibility timeout, a sweep racing the first message): two messages, two threads.
    deliver_email.delay(delivery.pk)
    deliver_email.delay(delivery.pk)

    runs = celery_worker.wait_for_runs(DELIVER, 2, (delivery.pk,))
    assert [run.state for run in runs] == ["SUCCESS", "SUCCESS"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["twice@example.org"]
