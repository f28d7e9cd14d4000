import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from apps.notifications import services
from apps.notifications.models import Delivery, Notification
from apps.notifications.tasks import deliver_email

from ..factories import FamilyFactory, StaffFactory


@pytest.fixture
def nurse(db):
    return StaffFactory()


def test_notification_and_email_are_written_together(nurse):
    services.notification_create(recipient=nurse, kind="test", title="A referral arrived", url="/caseload/")
    delivery = Delivery.objects.get()
    assert delivery.notification.recipient == nurse and delivery.status == "pending"
    assert "A referral arrived" not in delivery.body  # emails carry no detail, only a link
    assert "http://localhost:8000/caseload/" in delivery.body


def test_a_rolled_back_transaction_leaves_no_notification_and_no_email(
    nurse, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.notification_create(recipient=nurse, kind="test", title="Never happened")
        raise RuntimeError("the surrounding change failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert callbacks == []


def test_the_task_is_queued_only_after_commit(nurse, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.notification_create(recipient=nurse, kind="test", title="Hello")
    assert len(callbacks) == 1


def test_delivering_twice_sends_once(nurse, mailoutbox):
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    deliver_email.apply(args=[delivery.pk])
    deliver_email.apply(args=[delivery.pk])
    assert len(mailoutbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1


def test_a_missing_row_is_a_quiet_no_op(db, mailoutbox):
    deliver_email.apply(args=[424242])
    assert mailoutbox == []


def test_sweeper_requeues_only_stale_rows(nurse, mailoutbox):
    fresh = services.email_enqueue(to_address="fresh@example.org", subject="S", body="B")
    stale = services.email_enqueue(to_address="stale@example.org", subject="S", body="B")
    stuck = services.email_enqueue(to_address="stuck@example.org", subject="S", body="B")
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Delivery.objects.filter(pk=stale.pk).update(queued_at=long_ago)
    Delivery.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=long_ago)
    requeued = services.outbox_sweep(older_than=datetime.timedelta(minutes=2))
    assert sorted(requeued) == sorted([stale.pk, stuck.pk])
    assert Delivery.objects.get(pk=stuck.pk).status == "pending"
    assert fresh.pk not in requeued


def test_a_failing_smtp_server_returns_the_row_to_pending_then_gives_up(nurse, settings):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status in ("pending", "failed") and "refused" in delivery.last_error
    Delivery.objects.filter(pk=delivery.pk).update(status="pending")
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts >= 2


def test_unread_count_shows_in_staff_and_family_headers(client, nurse):
    parent = FamilyFactory()
    for user in (nurse, parent):
        services.notification_create(recipient=user, kind="test", title="One", email=False)
        services.notification_create(recipient=user, kind="test", title="Two", email=False)
    client.force_login(nurse)
    badge = '<span class="badge">{}</span><span class="visually-hidden"> unread</span>'
    assert badge.format(2) in client.get("/caseload/").content.decode()
    client.post("/notifications/read/")
    assert badge.format(0) in client.get("/caseload/").content.decode()
    client.force_login(parent)
    assert badge.format(2) in client.get("/portal/").content.decode()


def test_the_sweeper_gives_up_on_a_send_that_keeps_dying(nurse, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=long_ago, attempts=3)
    assert services.outbox_sweep(older_than=datetime.timedelta(minutes=2)) == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "Gave up" in delivery.last_error
