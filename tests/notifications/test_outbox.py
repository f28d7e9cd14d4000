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


def test_sweeper_queues_only_rows_whose_next_attempt_has_come(nurse, mailoutbox):
    fresh = services.email_enqueue(to_address="fresh@example.org", subject="S", body="B")
    due = services.email_enqueue(to_address="due@example.org", subject="S", body="B")
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Delivery.objects.filter(pk=due.pk).update(next_attempt_at=long_ago)
    assert services.outbox_sweep() == [due.pk]
    # Queued rows wait a sweep interval before being queued again (they may sit behind a backlog).
    assert services.outbox_sweep() == []
    assert Delivery.objects.get(pk=due.pk).next_attempt_at > timezone.now()
    assert fresh.pk not in services.outbox_sweep()


def test_a_send_that_never_finished_becomes_unknown_and_is_not_sent_again(nurse, mailoutbox, settings):
    """At most once: the SMTP server may have the message, so a person decides."""
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 300
    stuck = services.email_enqueue(to_address="stuck@example.org", subject="S", body="B")
    recent = services.email_enqueue(to_address="recent@example.org", subject="S", body="B")
    now = timezone.now()
    Delivery.objects.filter(pk=stuck.pk).update(
        status="sending", claimed_at=now - datetime.timedelta(minutes=6)
    )
    Delivery.objects.filter(pk=recent.pk).update(
        status="sending", claimed_at=now - datetime.timedelta(minutes=1)
    )
    services.outbox_sweep(now=now + datetime.timedelta(hours=1))
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == "unknown" and "may or may not have gone" in stuck.last_error
    assert recent.status == "unknown"  # an hour later it is overdue too
    deliver_email.apply(args=[stuck.pk])
    assert mailoutbox == []
    assert services.outbox_health()["unknown"] == 2


def test_a_person_can_resend_or_close_an_unknown_email(nurse, mailoutbox):
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    other = services.email_enqueue(to_address="b@example.org", subject="S", body="B")
    Delivery.objects.filter(pk__in=[delivery.pk, other.pk]).update(status="unknown")
    assert services.delivery_resend(delivery_ids=[delivery.pk]) == 1
    assert services.delivery_close(delivery_ids=[other.pk]) == 1
    deliver_email.apply(args=[delivery.pk])
    assert [m.to for m in mailoutbox] == [["a@example.org"]]
    assert Delivery.objects.get(pk=other.pk).status == "sent"


def test_a_failing_smtp_server_follows_the_one_backoff_schedule_then_gives_up(nurse, settings):
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = [60, 600]
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    before = timezone.now()
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "refused" in delivery.last_error
    assert 59 <= (delivery.next_attempt_at - before).total_seconds() <= 70
    assert services.outbox_sweep() == []  # the sweeper respects the backoff
    assert services.outbox_sweep(now=delivery.next_attempt_at) == [delivery.pk]
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert 599 <= (delivery.next_attempt_at - before).total_seconds() <= 610
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3


def test_a_failed_email_gives_the_clinic_admin_a_task_once(nurse, settings):
    from apps.accounts.models import StaffProfile
    from apps.tasks.models import Task

    admin = StaffFactory(role=StaffProfile.Role.CLINIC_ADMIN)
    settings.EMAIL_BACKEND = "tests.notifications.failing_backend.FailingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    deliver_email.apply(args=[delivery.pk])
    deliver_email.apply(args=[delivery.pk])
    task = Task.objects.get(source=Task.Source.EMAIL_FAILED)
    assert task.assignee == admin and str(delivery.pk) in task.link_url
    assert services.outbox_health()["failed"] == 1 and services.outbox_health()["status"] == "attention"


def test_the_sweeper_drains_a_backlog_in_batches(nurse, monkeypatch):
    published: list[list[int]] = []
    monkeypatch.setattr(services, "_publish", lambda ids, during_backoff=False: published.append(ids) or True)
    rows = [Delivery(to_address=f"{i}@example.org", subject="S", body="B") for i in range(250)]
    Delivery.objects.bulk_create(rows)
    queued = services.outbox_sweep()
    assert len(queued) == 250 and [len(b) for b in published] == [100, 100, 50]


def test_a_database_drop_after_sending_retries_the_mark_and_never_sends_twice(nurse, mailoutbox, monkeypatch):
    from django.db import OperationalError
    from django.db.models import QuerySet

    real_update = QuerySet.update
    calls = {"n": 0}

    def flaky_update(self, **values):  # type: ignore[no-untyped-def]
        if values.get("status") == "sent" and calls["n"] == 0:
            calls["n"] += 1
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(self, **values)

    monkeypatch.setattr(QuerySet, "update", flaky_update)
    monkeypatch.setattr(services.connection, "close", lambda: None)  # keep the test's transaction
    delivery = services.email_enqueue(to_address="a@example.org", subject="S", body="B")
    deliver_email.apply(args=[delivery.pk])
    deliver_email.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mailoutbox) == 1


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
