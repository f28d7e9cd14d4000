"""Messaging services and selectors: who may start and post, staff-only threads kept from families in
every channel, body and attachment refusals that write nothing, unread counts per participant,
handled / needs-reply marks, and one email per thread per quiet period."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.messaging import selectors, services
from apps.messaging.models import MESSAGE_MAX_LENGTH, EmailNotice, Message, MessageAttachment, Thread
from apps.notifications.models import Delivery, Notification
from apps.patients.models import Guardian
from apps.referrals.models import Referral

from ..factories import CareTeamMemberFactory, FamilyFactory, GuardianFactory, StaffFactory
from . import EXE, JPEG, PDF, PNG, reply, start, upload

SECRET = "Alice vomited twice after the dexamethasone"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def clock(time_machine):
    """Time stands still unless a test moves it, so "before" and "after" a read are unambiguous."""
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def consultant(cast):
    """A second member of child A's care team, who is not the named nurse."""
    user = StaffFactory(full_name="Dr Cole", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


@pytest.fixture
def co_parent(cast):
    """Child A's second guardian."""
    user = FamilyFactory(full_name="Andy Family")
    GuardianFactory(patient=cast.child_a, user=user, relationship=Guardian.Relationship.FATHER)
    return user


def written():
    """Everything a refused write must leave alone."""
    return (
        Thread.objects.count(),
        Message.objects.count(),
        MessageAttachment.objects.count(),
        Notification.objects.count(),
        Delivery.objects.count(),
    )


def code_of(exc: pytest.ExceptionInfo) -> str | None:
    if isinstance(exc.value, PermissionDenied):
        return "permission_denied"
    return getattr(exc.value, "code", None)


def mails_to(user) -> int:
    return Delivery.objects.filter(to_address=user.email).count()


def notices_to(user) -> int:
    return Notification.objects.filter(recipient=user, kind="message").count()


# --- Starting threads -----------------------------------------------------------------------------


def test_a_family_starts_a_family_thread_about_their_own_child(cast):
    thread = start(cast.family_a, cast.child_a, body=SECRET)

    assert (thread.patient, thread.kind, thread.status) == (
        cast.child_a,
        Thread.Kind.FAMILY,
        Thread.Status.NEEDS_REPLY,
    )
    assert thread.awaiting_reply_since is not None
    assert thread.escalated_at is None
    [message] = thread.messages.all()
    assert (message.author, message.body, message.from_family) == (cast.family_a, SECRET, True)


def test_a_family_cannot_start_a_thread_about_another_child(cast):
    before = written()
    with pytest.raises(PermissionDenied) as exc:
        start(cast.family_a, cast.child_b)
    assert code_of(exc) == "permission_denied"
    assert written() == before


def test_a_family_cannot_start_a_staff_only_thread(cast):
    before = written()
    with pytest.raises(PermissionDenied) as exc:
        start(cast.family_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY)
    assert code_of(exc) == "permission_denied"
    assert written() == before


@pytest.mark.parametrize("outsider", ["nurse_other", "admin", "family_b"])
def test_someone_outside_the_childs_care_cannot_start_a_thread(cast, outsider):
    before = written()
    with pytest.raises(PermissionDenied) as exc:
        start(getattr(cast, outsider), cast.child_a, kind=Thread.Kind.FAMILY)
    assert code_of(exc) == "permission_denied"
    assert written() == before


def test_a_deactivated_guardian_can_no_longer_start_a_thread(cast):
    Guardian.objects.filter(pk=cast.guardian_a.pk).update(is_active=False)
    with pytest.raises(PermissionDenied) as exc:
        start(cast.family_a, cast.child_a)
    assert code_of(exc) == "permission_denied"


def test_staff_start_either_kind_and_a_staff_thread_does_not_wait_for_a_reply(cast):
    family = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.FAMILY, body="Clinic moved to Tuesday.")
    staff = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT discussion")

    assert (family.kind, family.status, family.awaiting_reply_since) == ("family", "handled", None)
    assert (staff.kind, staff.status, staff.awaiting_reply_since) == ("staff_only", "handled", None)
    assert Message.objects.filter(thread__in=[family, staff], from_family=False).count() == 2


def test_a_thread_needs_a_subject(cast):
    before = written()
    with pytest.raises(ValidationError) as exc:
        start(cast.family_a, cast.child_a, subject="   ")
    assert set(exc.value.message_dict) == {"subject"}
    assert written() == before


# --- Staff-only threads ---------------------------------------------------------------------------


def test_a_staff_only_thread_is_invisible_to_families_in_every_selector(cast, consultant):
    mdt = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT discussion")
    services.message_post(actor=consultant, thread=mdt, body=SECRET)
    family_thread = start(cast.family_a, cast.child_a)

    assert list(selectors.threads_visible_to(cast.family_a)) == [family_thread]
    assert list(selectors.threads_visible_to(cast.family_b)) == []
    for family in (cast.family_a, cast.family_b):
        assert mdt not in selectors.inbox(user=family)
        assert mdt not in selectors.inbox(user=family, patient=cast.child_a, kind=Thread.Kind.STAFF_ONLY)
        with pytest.raises(Http404):
            selectors.thread_get(user=family, pk=mdt.pk)
    assert list(selectors.inbox(user=cast.family_a, kind=Thread.Kind.STAFF_ONLY)) == []
    assert selectors.unread_count(cast.family_a) == 0  # the family's own thread has nothing new
    assert set(selectors.threads_visible_to(cast.nurse_a)) == {mdt, family_thread}
    assert selectors.thread_get(user=consultant, pk=mdt.pk) == mdt


def test_a_staff_only_thread_never_notifies_or_emails_a_family(cast, consultant, co_parent):
    mdt = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT discussion")
    services.message_post(actor=consultant, thread=mdt, body=SECRET)
    services.message_post(actor=cast.nurse_a, thread=mdt, body="Agreed, second course of IVIG.")

    for family in (cast.family_a, co_parent):
        assert not Notification.objects.filter(recipient=family).exists()
        assert mails_to(family) == 0
        assert not EmailNotice.objects.filter(user=family).exists()
    assert notices_to(cast.nurse_a) == 1  # the consultant's message; never the author's own
    assert not Notification.objects.filter(recipient=consultant).exists()


def test_a_family_cannot_post_in_a_staff_only_thread(cast):
    mdt = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT discussion")
    before = written()
    with pytest.raises(PermissionDenied) as exc:
        services.message_post(actor=cast.family_a, thread=mdt, body="Hello?")
    assert code_of(exc) == "permission_denied"
    assert written() == before


# --- Who may post ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "kind", "allowed"),
    [
        ("family_a", Thread.Kind.FAMILY, True),
        ("family_a", Thread.Kind.STAFF_ONLY, False),
        ("family_b", Thread.Kind.FAMILY, False),
        ("nurse_a", Thread.Kind.FAMILY, True),
        ("nurse_a", Thread.Kind.STAFF_ONLY, True),
        ("nurse_glass", Thread.Kind.STAFF_ONLY, True),  # a live break-glass grant
        ("nurse_other", Thread.Kind.FAMILY, False),
        ("admin", Thread.Kind.FAMILY, False),
    ],
)
def test_can_post(cast, who, kind, allowed):
    thread = start(cast.nurse_a, cast.child_a, kind=kind)
    assert services.can_post(getattr(cast, who), thread) is allowed


def test_a_deactivated_guardian_or_account_cannot_post(cast, co_parent):
    thread = start(cast.family_a, cast.child_a)
    Guardian.objects.filter(pk=cast.guardian_a.pk).update(is_active=False)
    co_parent.is_active = False
    co_parent.save(update_fields=["is_active"])

    assert services.can_post(cast.family_a, thread) is False
    assert services.can_post(co_parent, thread) is False
    with pytest.raises(PermissionDenied):
        reply(cast.family_a, thread)


# --- Bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_an_empty_message_is_refused_and_nothing_is_written(cast, body):
    thread = start(cast.family_a, cast.child_a)
    before = written()
    with pytest.raises(ValidationError) as exc:
        services.message_post(actor=cast.family_a, thread=thread, body=body)
    assert set(exc.value.message_dict) == {"body"}
    assert written() == before
    with pytest.raises(ValidationError) as exc:
        start(cast.family_a, cast.child_a, body=body)
    assert set(exc.value.message_dict) == {"body"}
    assert written() == before


def test_a_message_over_the_length_limit_is_refused_and_nothing_is_written(cast):
    thread = start(cast.family_a, cast.child_a)
    before = written()
    with pytest.raises(ValidationError) as exc:
        services.message_post(actor=cast.family_a, thread=thread, body="a" * (MESSAGE_MAX_LENGTH + 1))
    assert set(exc.value.message_dict) == {"body"}
    assert str(MESSAGE_MAX_LENGTH) in exc.value.message_dict["body"][0]
    assert written() == before
    with pytest.raises(ValidationError):
        start(cast.family_a, cast.child_a, body="a" * (MESSAGE_MAX_LENGTH + 1))
    assert written() == before


def test_a_message_at_the_length_limit_is_kept_as_written(cast):
    thread = start(cast.family_a, cast.child_a)
    body = "<b>bold?</b> " + "a" * (MESSAGE_MAX_LENGTH - 13)
    message = services.message_post(actor=cast.family_a, thread=thread, body=f"  {body}\n")
    assert len(body) == MESSAGE_MAX_LENGTH
    message.refresh_from_db()
    assert message.body == body  # stored as plain text: trimmed, never escaped or altered


# --- Attachments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_type"),
    [
        ("letter.pdf", PDF, "application/pdf"),
        ("rash.png", PNG, "image/png"),
        ("eyes.jpg", JPEG, "image/jpeg"),
        ("photo.pdf", PNG, "image/png"),  # the type comes from the file, not its name
    ],
)
def test_pdf_and_image_attachments_are_accepted(cast, name, content, stored_type):
    thread = start(cast.family_a, cast.child_a)
    message = services.message_post(
        actor=cast.family_a,
        thread=thread,
        body="Photo attached.",
        attachments=[upload(name, content, "application/octet-stream")],
    )
    [attachment] = message.attachments.all()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        stored_type,
        len(content),
    )
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


def test_a_thread_can_start_with_an_attachment(cast):
    thread = start(cast.family_a, cast.child_a, attachments=[upload()])
    assert MessageAttachment.objects.filter(message__thread=thread).count() == 1


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([upload("setup.pdf", EXE)], "Only PDF, PNG or JPEG"),
        ([upload("notes.txt", b"just text", "text/plain")], "Only PDF, PNG or JPEG"),
        ([upload("page.pdf", b"<html><script>alert(1)</script>", "application/pdf")], "Only PDF"),
        ([upload("empty.pdf", b"")], "empty"),
        ([upload("big.pdf", PDF + b"0" * (5 * 1024 * 1024))], "5 MB"),
        ([upload(f"{n}.pdf") for n in range(4)], "up to 3"),
        ([upload("ok.pdf"), upload("setup.pdf", EXE)], "Only PDF, PNG or JPEG"),
    ],
    ids=["exe-renamed-pdf", "text", "html", "empty", "over-5mb", "four-files", "one-bad-of-two"],
)
def test_a_bad_attachment_is_refused_with_a_file_error_and_no_message(cast, tmp_path, files, error):
    thread = start(cast.family_a, cast.child_a)
    before = written()
    with pytest.raises(ValidationError) as exc:
        services.message_post(actor=cast.family_a, thread=thread, body="See attached", attachments=files)
    assert set(exc.value.message_dict) == {"file"}
    assert error in exc.value.message_dict["file"][0]
    assert written() == before
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
    with pytest.raises(ValidationError) as exc:
        start(cast.family_a, cast.child_a, attachments=files)
    assert set(exc.value.message_dict) == {"file"}
    assert written() == before


def test_a_file_exactly_at_the_size_limit_is_accepted(cast):
    thread = start(cast.family_a, cast.child_a)
    content = PDF + b"0" * (services.ATTACHMENT_MAX_BYTES - len(PDF))
    message = services.message_post(
        actor=cast.family_a, thread=thread, body="Scan", attachments=[upload("scan.pdf", content)]
    )
    assert message.attachments.get().size == services.ATTACHMENT_MAX_BYTES


# --- Read state and unread counts -----------------------------------------------------------------


def unread_in(thread: Thread, user) -> int:
    return selectors.with_unread(Thread.objects.filter(pk=thread.pk), user).get().unread or 0


def test_unread_counts_go_up_on_the_other_sides_message_and_down_when_read(cast, clock):
    thread = start(cast.family_a, cast.child_a)
    assert (unread_in(thread, cast.nurse_a), selectors.unread_count(cast.nurse_a)) == (1, 1)
    assert (unread_in(thread, cast.family_a), selectors.unread_count(cast.family_a)) == (0, 0)

    clock.shift(datetime.timedelta(minutes=5))
    reply(cast.family_a, thread, "And she is not sleeping.")
    assert unread_in(thread, cast.nurse_a) == 2
    assert selectors.unread_count(cast.nurse_a) == 1  # threads with something new, not messages

    clock.shift(datetime.timedelta(minutes=5))
    services.thread_mark_read(actor=cast.nurse_a, thread=thread)
    assert (unread_in(thread, cast.nurse_a), selectors.unread_count(cast.nurse_a)) == (0, 0)

    clock.shift(datetime.timedelta(minutes=5))
    reply(cast.nurse_a, thread)
    assert (unread_in(thread, cast.family_a), selectors.unread_count(cast.family_a)) == (1, 1)
    assert selectors.unread_count(cast.nurse_a) == 0  # one's own message is never unread

    clock.shift(datetime.timedelta(minutes=5))
    services.thread_mark_read(actor=cast.family_a, thread=thread)
    assert selectors.unread_count(cast.family_a) == 0
    services.thread_mark_read(actor=cast.family_a, thread=thread)  # reading twice is harmless
    assert selectors.unread_count(cast.family_a) == 0


def test_read_state_is_kept_per_participant(cast, co_parent, consultant, clock):
    thread = start(cast.nurse_a, cast.child_a, body="Results are back: all normal.")
    assert selectors.unread_count(cast.family_a) == selectors.unread_count(co_parent) == 1
    assert selectors.unread_count(consultant) == 1

    clock.shift(datetime.timedelta(minutes=1))
    services.thread_mark_read(actor=cast.family_a, thread=thread)
    assert selectors.unread_count(cast.family_a) == 0
    assert selectors.unread_count(co_parent) == 1
    assert selectors.unread_count(consultant) == 1
    assert selectors.unread_count(cast.family_b) == 0


def test_the_header_counts_a_referred_childs_thread_only_once_the_nurse_has_opened_it(cast, clock):
    """A child referred to the nurse's team is visible, but their conversations are not the nurse's own
    until the nurse opens one: the header is scoped to her own threads, not to every visible child."""
    Referral.objects.create(
        patient=cast.child_b,
        source_user=cast.nurse_other,
        target_team=Team.objects.get(code="nursing"),
        reason="Please review",
        status="submitted",
    )
    thread = start(cast.family_b, cast.child_b, body="Bobby is worse.")
    assert selectors.unread_count(cast.nurse_a) == 0
    assert selectors.threads_visible_to(cast.nurse_a).filter(pk=thread.pk).exists()

    clock.shift(datetime.timedelta(minutes=1))
    services.thread_mark_read(actor=cast.nurse_a, thread=thread)
    clock.shift(datetime.timedelta(minutes=1))
    reply(cast.family_b, thread, body="Any news?")
    assert selectors.unread_count(cast.nurse_a) == 1


def test_the_inbox_puts_threads_needing_a_reply_first_with_unread_counts(cast, clock):
    waiting = start(cast.family_a, cast.child_a, subject="Older, waiting")
    clock.shift(datetime.timedelta(minutes=1))
    newer = start(cast.nurse_a, cast.child_a, subject="Newer, handled")

    rows = list(selectors.inbox(user=cast.nurse_a))
    assert rows == [waiting, newer]
    assert [row.unread or 0 for row in rows] == [1, 0]


# --- Handled and needs a reply --------------------------------------------------------------------


def test_staff_mark_a_family_thread_handled_or_needing_a_reply(cast):
    thread = start(cast.family_a, cast.child_a)

    handled = services.thread_mark(actor=cast.nurse_a, thread=thread, status=Thread.Status.HANDLED)
    assert (handled.status, handled.awaiting_reply_since, handled.escalated_at) == ("handled", None, None)

    again = services.thread_mark(actor=cast.nurse_a, thread=handled, status=Thread.Status.NEEDS_REPLY)
    assert again.status == Thread.Status.NEEDS_REPLY


@pytest.mark.parametrize("who", ["family_a", "family_b", "nurse_other", "admin"])
def test_only_staff_who_see_the_child_can_mark_a_thread(cast, who):
    thread = start(cast.family_a, cast.child_a)
    with pytest.raises(PermissionDenied) as exc:
        services.thread_mark(actor=getattr(cast, who), thread=thread, status=Thread.Status.HANDLED)
    assert code_of(exc) == "permission_denied"
    thread.refresh_from_db()
    assert thread.status == Thread.Status.NEEDS_REPLY


def test_marking_with_an_unknown_status_is_a_field_error(cast):
    thread = start(cast.family_a, cast.child_a)
    with pytest.raises(ValidationError) as exc:
        services.thread_mark(actor=cast.nurse_a, thread=thread, status="closed")
    assert set(exc.value.message_dict) == {"status"}


def test_a_staff_reply_marks_the_thread_handled_and_a_family_message_needs_a_reply(cast):
    thread = start(cast.family_a, cast.child_a)
    reply(cast.nurse_a, thread)
    thread.refresh_from_db()
    assert (thread.status, thread.awaiting_reply_since) == ("handled", None)

    reply(cast.family_a, thread, "One more question.")
    thread.refresh_from_db()
    assert thread.status == Thread.Status.NEEDS_REPLY
    assert thread.awaiting_reply_since is not None


# --- Notifications and email batching -------------------------------------------------------------


def test_three_family_messages_in_the_quiet_period_give_three_notices_and_one_email(cast, clock):
    thread = start(cast.family_a, cast.child_a, body=SECRET)
    clock.shift(datetime.timedelta(minutes=10))
    reply(cast.family_a, thread, "She is a bit better now.")
    clock.shift(datetime.timedelta(minutes=20))
    reply(cast.family_a, thread, "Actually worse again.")

    assert notices_to(cast.nurse_a) == 3
    assert mails_to(cast.nurse_a) == 1
    assert Notification.objects.filter(recipient=cast.family_a).count() == 0  # never the author


def test_after_the_quiet_period_another_email_is_sent(cast, clock, settings):
    settings.MESSAGE_EMAIL_QUIET_MINUTES = 60
    thread = start(cast.family_a, cast.child_a)
    clock.shift(datetime.timedelta(minutes=59))
    reply(cast.family_a, thread, "Still here.")
    assert mails_to(cast.nurse_a) == 1

    clock.shift(datetime.timedelta(minutes=2))  # 61 minutes after the first email
    reply(cast.family_a, thread, "Any news?")
    assert (notices_to(cast.nurse_a), mails_to(cast.nurse_a)) == (3, 2)

    clock.shift(datetime.timedelta(minutes=30))  # the quiet period restarts at the second email
    reply(cast.family_a, thread, "Hello?")
    assert (notices_to(cast.nurse_a), mails_to(cast.nurse_a)) == (4, 2)


def test_a_second_thread_is_emailed_separately(cast, clock):
    start(cast.family_a, cast.child_a, subject="Walking")
    clock.shift(datetime.timedelta(minutes=1))
    start(cast.family_a, cast.child_a, subject="Sleep")
    assert (notices_to(cast.nurse_a), mails_to(cast.nurse_a)) == (2, 2)


def test_families_are_emailed_once_per_thread_per_quiet_period_too(cast, co_parent, clock):
    thread = start(cast.family_a, cast.child_a)
    for minutes in (5, 10, 15):
        clock.shift(datetime.timedelta(minutes=minutes))
        reply(cast.nurse_a, thread, f"Reply number {minutes}")

    assert (notices_to(cast.family_a), mails_to(cast.family_a)) == (3, 1)
    assert (notices_to(co_parent), mails_to(co_parent)) == (4, 1)  # also told of the other guardian's
    family_url = f"/portal/children/{cast.child_a.pk}/messages/{thread.pk}/"
    assert set(Notification.objects.filter(recipient=co_parent).values_list("url", flat=True)) == {family_url}


def test_emails_say_only_that_there_is_a_new_message_and_link_to_it(cast, co_parent, clock):
    thread = start(cast.family_a, cast.child_a, subject="Dexamethasone side effects", body=SECRET)
    clock.shift(datetime.timedelta(hours=2))
    reply(cast.nurse_a, thread, "Please stop the dexamethasone and call the ward.")

    deliveries = list(Delivery.objects.all())
    assert {d.to_address for d in deliveries} == {cast.nurse_a.email, cast.family_a.email, co_parent.email}
    for delivery in deliveries:
        text = f"{delivery.subject}\n{delivery.body}".lower()
        for private in ("dexamethasone", "vomited", "alice", "side effects", "ward"):
            assert private not in text
    staff_mail = Delivery.objects.get(to_address=cast.nurse_a.email)
    assert f"/messages/{thread.pk}/" in staff_mail.body
    family_mail = Delivery.objects.filter(to_address=co_parent.email).latest("created_at")
    assert f"/portal/children/{cast.child_a.pk}/messages/{thread.pk}/" in family_mail.body
    for notice in Notification.objects.filter(recipient=co_parent):
        assert "dexamethasone" not in notice.title.lower()


def test_an_inactive_named_nurse_is_not_notified(cast):
    cast.nurse_a.is_active = False
    cast.nurse_a.save(update_fields=["is_active"])
    start(cast.family_a, cast.child_a)
    assert (notices_to(cast.nurse_a), mails_to(cast.nurse_a)) == (0, 0)
