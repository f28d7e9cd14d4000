"""Message routing and clean-up: stale handling, staff-only threads, the nursing fallback, emails, and no files left behind."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.accounts.models import StaffProfile, Team
from apps.messaging import services
from apps.messaging.models import Thread
from apps.notifications.models import Delivery, Notification
from apps.notifications.selectors import notifications_for
from apps.patients import services as patients
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory
from ..sent_mail import send_and_read


def test_a_stale_mark_as_handled_cannot_clear_an_unread_family_message(cast):
    thread = services.thread_start(
        actor=cast.family_a, patient=cast.child_a, subject="Sleep", body="Poor nights"
    )
    seen = thread.messages.last().pk
    services.message_post(actor=cast.family_a, thread=thread, body="She fell and hit her head")
    with pytest.raises(ApplicationError) as refused:
        services.thread_mark(actor=cast.nurse_a, thread=thread, status="handled", seen_last_message_id=seen)
    assert refused.value.code == "stale"
    thread.refresh_from_db()
    assert thread.status == Thread.Status.NEEDS_REPLY and thread.awaiting_reply_since is not None


def test_staff_only_threads_cannot_be_marked(cast):
    thread = services.thread_start(
        actor=cast.nurse_a, patient=cast.child_a, subject="MDT", body="Plan", kind="staff_only"
    )
    with pytest.raises(ApplicationError):
        services.thread_mark(actor=cast.nurse_a, thread=thread, status="needs_reply")


def test_without_a_named_nurse_the_nursing_team_hears_at_once(cast):
    colleague = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])
    patients.care_team_member_add(actor=cast.admin, patient=cast.child_b, user=colleague)
    services.thread_start(actor=cast.family_b, patient=cast.child_b, subject="Help", body="Is this normal?")
    assert Notification.objects.filter(recipient=colleague, kind="message").count() == 1


def test_an_email_goes_again_once_the_reader_has_caught_up(cast):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC), tick=False):
        thread = services.thread_start(actor=cast.family_a, patient=cast.child_a, subject="Q", body="First")
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 5, tzinfo=datetime.UTC), tick=False):
        services.thread_mark_read(actor=cast.nurse_a, thread=thread)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 20, tzinfo=datetime.UTC), tick=False):
        services.message_post(actor=cast.family_a, thread=thread, body="Second")
    assert Delivery.objects.filter(to_address=cast.nurse_a.email).count() == 2


def test_notifications_about_a_child_vanish_when_the_guardian_link_ends(cast):
    services.thread_start(actor=cast.nurse_a, patient=cast.child_a, subject="Results", body="All fine")
    assert notifications_for(user=cast.family_a).exists()
    patients.guardian_deactivate(actor=cast.admin, guardian=cast.guardian_a)
    assert not notifications_for(user=cast.family_a).exists()


def test_an_invitation_from_someone_who_has_left_no_longer_works(cast):
    patients.invitation_send(
        actor=cast.nurse_a,
        patient=cast.child_a,
        email="new.parent@example.org",
        full_name="New Parent",
        relationship="mother",
    )
    token_email = send_and_read("new.parent@example.org").body
    token = token_email.split("/portal/invite/")[1].split("/")[0]
    cast.nurse_a.is_active = False
    cast.nurse_a.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        patients.invitation_accept(token=token, password="a-Long-new-pass-42")
    assert refused.value.code == "withdrawn"


def test_a_message_that_fails_leaves_no_file_behind(cast, settings, tmp_path, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    thread = services.thread_start(
        actor=cast.family_a, patient=cast.child_a, subject="Photo", body="See letter"
    )

    def explode(**kwargs):
        raise RuntimeError("notification failed")

    monkeypatch.setattr(services, "notification_create", explode)
    letter = SimpleUploadedFile("eeg.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    with pytest.raises(RuntimeError):
        services.message_post(actor=cast.family_a, thread=thread, body="Attached", attachments=[letter])
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    assert thread.messages.count() == 1


def test_escalation_works_even_before_a_nursing_team_exists(db):
    from apps.tasks.models import Task

    from ..factories import GuardianFactory

    assert not Team.objects.filter(code="nursing").exists()
    child = PatientFactory()
    parent = GuardianFactory(patient=child).user
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC), tick=False):
        services.thread_start(actor=parent, patient=child, subject="Q", body="Anyone there?")
    assert (
        services.threads_escalate_unanswered(now=datetime.datetime(2026, 12, 9, 12, tzinfo=datetime.UTC)) == 1
    )
    assert Task.objects.filter(source="message_escalation", patient=child, team__code="nursing").count() == 1
