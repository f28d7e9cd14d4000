"""Message pages for staff and families: who gets 404, escaping of bodies, attachment refusals on the
page, unread counts in the header, handled / needs-reply marks, the out-of-hours banner before a family
sends, audited reads, and query counts that do not grow with the rows."""

import re

import pytest
import time_machine

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.messaging import services
from apps.messaging.models import Message, MessageAttachment, Thread
from apps.messaging.services import ATTACHMENT_MAX_BYTES

from ..factories import CareTeamMemberFactory, GuardianFactory, PatientFactory, StaffFactory
from . import EXE, PDF, at, upload

WEDNESDAY_MORNING = at(2026, 3, 4, 11)
SATURDAY_MORNING = at(2026, 3, 7, 11)
WEEKDAY_EVENING = at(2026, 3, 4, 19)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def start(actor, patient, body="Alice was wobbly this morning.", **fields) -> Thread:
    fields.setdefault("subject", "Wobbly walking")
    return services.thread_start(actor=actor, patient=patient, body=body, **fields)


def header_count(response, label: str = "Messages") -> int:
    """The number in the header's Messages link (as a person sees it)."""
    html = response.content.decode()
    match = re.search(rf'>{label} <span class="badge">(\d+)</span>', html)
    assert match, f"no {label} badge in the header"
    return int(match.group(1))


def family_url(thread: Thread, suffix: str = "") -> str:
    return f"/portal/children/{thread.patient_id}/messages/{thread.pk}/{suffix}"


# --- Family isolation ---------------------------------------------------------------------------


def _family_routes(child_pk: int, thread: Thread, attachment: MessageAttachment) -> list[tuple[str, str]]:
    base = f"/portal/children/{child_pk}/messages/"
    return [
        ("get", base),
        ("get", f"{base}new/"),
        ("post", f"{base}new/"),
        ("get", f"{base}{thread.pk}/"),
        ("post", f"{base}{thread.pk}/"),
        ("get", f"{base}{thread.pk}/files/{attachment.pk}/"),
    ]


def test_family_cannot_reach_another_familys_messages(client, cast):
    thread = start(cast.family_a, cast.child_a, attachments=[upload()])
    attachment = MessageAttachment.objects.get()
    client.force_login(cast.family_b)
    routes = _family_routes(cast.child_a.pk, thread, attachment)
    # Their own child's id in the address does not open child A's thread either.
    routes += [
        ("get", f"/portal/children/{cast.child_b.pk}/messages/{thread.pk}/"),
        ("post", f"/portal/children/{cast.child_b.pk}/messages/{thread.pk}/"),
        ("get", f"/portal/children/{cast.child_b.pk}/messages/{thread.pk}/files/{attachment.pk}/"),
    ]
    for method, url in routes:
        response = getattr(client, method)(url, {"reply-body": "Hello", "subject": "Hi", "body": "Hi"})
        assert response.status_code == 404, (method, url)
    assert Message.objects.count() == 1
    assert Thread.objects.count() == 1
    # ...while family A reaches every one of them.
    client.force_login(cast.family_a)
    for method, url in _family_routes(cast.child_a.pk, thread, attachment):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_families_get_404_on_staff_message_pages_and_staff_on_family_pages(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.family_a)
    for url in ("/messages/", f"/messages/{thread.pk}/", f"/patients/{cast.child_a.pk}/messages/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/messages/{thread.pk}/mark/", {"status": "handled"}).status_code == 404
    client.force_login(cast.nurse_a)
    assert client.get(family_url(thread)).status_code == 404
    assert client.get(f"/portal/children/{cast.child_a.pk}/messages/").status_code == 404


def test_staff_who_cannot_see_the_child_get_404(client, cast):
    thread = start(cast.family_a, cast.child_a, attachments=[upload()])
    attachment = MessageAttachment.objects.get()
    client.force_login(cast.nurse_other)
    for url in (
        f"/messages/{thread.pk}/",
        f"/messages/{thread.pk}/files/{attachment.pk}/",
        f"/patients/{cast.child_a.pk}/messages/",
        f"/patients/{cast.child_a.pk}/messages/new/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/messages/{thread.pk}/", {"reply-body": "Hi"}).status_code == 404
    assert client.post(f"/messages/{thread.pk}/mark/", {"status": "handled"}).status_code == 404
    assert client.get("/messages/").context["threads"] == []


def test_a_staff_only_thread_is_hidden_from_the_family_everywhere(client, cast):
    family_thread = start(cast.family_a, cast.child_a, subject="Sleep")
    mdt = start(cast.nurse_a, cast.child_a, subject="MDT discussion", kind=Thread.Kind.STAFF_ONLY)
    services.message_post(actor=cast.nurse_a, thread=mdt, body="Relapse likely, discuss at MDT.")
    client.force_login(cast.family_a)
    assert client.get(family_url(mdt)).status_code == 404
    assert client.post(family_url(mdt), {"reply-body": "Hello?"}).status_code == 404
    response = client.get(f"/portal/children/{cast.child_a.pk}/messages/")
    assert [t.pk for t in response.context["threads"]] == [family_thread.pk]
    html = response.content.decode()
    assert "MDT discussion" not in html and "Relapse" not in html
    assert header_count(response) == 0  # the family's own message is not "new" to them
    assert mdt.messages.count() == 2


# --- Escaping -----------------------------------------------------------------------------------

HOSTILE = (
    "<script>alert(1)</script>\n<img src=x onerror=alert(2)>\nSee https://www.nhs.uk/conditions/ for more."
)


def test_message_bodies_are_escaped_and_links_are_safe_on_both_sides(client, cast):
    thread = start(cast.family_a, cast.child_a, body=HOSTILE)
    for user, url in ((cast.nurse_a, f"/messages/{thread.pk}/"), (cast.family_a, family_url(thread))):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html and '<img src="x"' not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html
        assert (
            '<a href="https://www.nhs.uk/conditions/" rel="nofollow">https://www.nhs.uk/conditions/</a>'
            in html
        )
        assert "&lt;/script&gt;<br>" in html  # line breaks kept


def test_a_subject_is_escaped_in_the_lists(client, cast):
    start(cast.family_a, cast.child_a, subject="<b>bold</b>")
    client.force_login(cast.nurse_a)
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get("/messages/").content.decode()
    client.force_login(cast.family_a)
    html = client.get(f"/portal/children/{cast.child_a.pk}/messages/").content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


# --- Attachments --------------------------------------------------------------------------------


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<span class="error-message" id="{field_id}_error">(.*?)</span>', html, re.S)
    assert match, f"no error next to {field_id}"
    return match.group(1)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("letter.pdf", EXE, "Only PDF, PNG or JPEG files can be attached."),
        ("big.pdf", PDF + b"\x00" * ATTACHMENT_MAX_BYTES, "The file is too large: the limit is 5 MB."),
    ],
)
def test_a_refused_attachment_is_shown_next_to_the_file_field_and_nothing_is_saved(
    client, cast, name, content, error
):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.family_a)
    response = client.post(
        family_url(thread), {"reply-body": "Photo of the rash", "reply-attachments": upload(name, content)}
    )
    assert response.status_code == 400
    assert error in _field_error(response.content.decode(), "id_reply-attachments")
    assert (
        'aria-describedby="id_reply-attachments_helptext id_reply-attachments_error"'
        in response.content.decode()
    )
    assert thread.messages.count() == 1 and MessageAttachment.objects.count() == 0

    client.force_login(cast.nurse_a)
    response = client.post(
        f"/patients/{cast.child_a.pk}/messages/new/",
        {"kind": "family", "subject": "Results", "body": "Attached.", "attachments": upload(name, content)},
    )
    assert response.status_code == 400
    assert error in _field_error(response.content.decode(), "id_attachments")
    assert Thread.objects.count() == 1 and Message.objects.count() == 1


def test_attachments_download_as_files_for_staff_and_family_and_are_audited(client, cast):
    thread = start(cast.family_a, cast.child_a, attachments=[upload("rash.pdf")])
    attachment = MessageAttachment.objects.get()
    for user, url in (
        (cast.nurse_a, f"/messages/{thread.pk}/files/{attachment.pk}/"),
        (cast.family_a, family_url(thread, f"files/{attachment.pk}/")),
    ):
        client.force_login(user)
        page = client.get(f"/messages/{thread.pk}/" if user == cast.nurse_a else family_url(thread))
        assert f'href="{url}"' in page.content.decode()
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="rash.pdf"' in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF
        assert AccessEvent.objects.filter(user=user, what="message attachment", path=url).count() == 1
    other = start(cast.family_a, cast.child_a, subject="Other")
    client.force_login(cast.nurse_a)
    assert client.get(f"/messages/{other.pk}/files/{attachment.pk}/").status_code == 404


def test_posting_several_attachments_from_the_page(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.nurse_a)
    response = client.post(
        f"/messages/{thread.pk}/",
        {"reply-body": "Two letters", "reply-attachments": [upload("a.pdf"), upload("b.pdf")]},
    )
    assert response.status_code == 302
    message = thread.messages.last()
    assert response["Location"] == f"/messages/{thread.pk}/#message-{message.pk}"
    assert sorted(a.original_name for a in message.attachments.all()) == ["a.pdf", "b.pdf"]


# --- Unread counts ------------------------------------------------------------------------------


def test_unread_counts_in_the_header_go_up_for_the_other_side_and_down_after_reading(client, cast):
    client.force_login(cast.family_a)
    response = client.post(
        f"/portal/children/{cast.child_a.pk}/messages/new/",
        {"subject": "Sleep", "body": "Alice is not sleeping."},
    )
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert response["Location"] == family_url(thread)
    assert header_count(client.get(f"/portal/children/{cast.child_a.pk}/messages/")) == 0

    client.force_login(cast.nurse_a)
    inbox = client.get("/messages/")
    assert header_count(inbox) == 1
    assert "1 new" in inbox.content.decode()
    assert header_count(client.get(f"/messages/{thread.pk}/")) == 0  # reading it clears it
    assert header_count(client.get("/messages/")) == 0
    client.post(f"/messages/{thread.pk}/", {"reply-body": "We will call you."})

    client.force_login(cast.family_a)
    listing = client.get(f"/portal/children/{cast.child_a.pk}/messages/")
    assert header_count(listing) == 1
    assert '<span class="tag tag--new">1 new</span>' in listing.content.decode()
    page = client.get(family_url(thread))
    assert header_count(page) == 0
    assert "We will call you." in page.content.decode()


def test_reading_a_thread_clears_its_notifications(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.nurse_a)
    assert header_count(client.get("/messages/"), "Notifications") == 1
    assert header_count(client.get(f"/messages/{thread.pk}/"), "Notifications") == 0


def test_a_family_with_two_children_chooses_a_child_with_new_messages_marked(client, cast):
    GuardianFactory(patient=cast.child_b, user=cast.family_a)
    CareTeamMemberFactory(patient=cast.child_b, user=cast.nurse_a)
    thread = start(cast.family_a, cast.child_b, subject="About Bobby")
    services.message_post(actor=cast.nurse_a, thread=thread, body="Reply one")
    services.message_post(actor=cast.nurse_a, thread=thread, body="Reply two")
    client.force_login(cast.family_a)
    response = client.get("/portal/messages/")
    assert response.status_code == 200
    assert {child.pk: unread for child, unread in response.context["rows"]} == {
        cast.child_a.pk: 0,
        cast.child_b.pk: 1,
    }
    assert '<span class="tag tag--new">1 new</span>' in response.content.decode()
    client.force_login(cast.family_b)  # one child: straight to that child's messages
    response = client.get("/portal/messages/")
    assert response["Location"] == f"/portal/children/{cast.child_b.pk}/messages/"


# --- The staff inbox ----------------------------------------------------------------------------


def test_the_inbox_puts_waiting_family_threads_first_and_says_overdue_in_words(client, cast):
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        overdue = start(cast.family_a, cast.child_a, subject="Overdue one")
        mdt = start(cast.nurse_a, cast.child_a, subject="MDT discussion", kind=Thread.Kind.STAFF_ONLY)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        services.threads_escalate_unanswered()
        answered = start(cast.family_a, cast.child_a, subject="Answered")
        services.message_post(actor=cast.nurse_a, thread=answered, body="Done")
        waiting = start(cast.family_a, cast.child_a, subject="Waiting")
    with time_machine.travel(at(2026, 3, 3, 11), tick=False):
        services.message_post(actor=cast.nurse_a, thread=mdt, body="Newest of all")
    client.force_login(cast.nurse_a)
    response = client.get("/messages/")
    assert [t.pk for t in response.context["threads"]] == [overdue.pk, waiting.pk, mdt.pk, answered.pk]
    html = response.content.decode()
    assert html.count("Overdue reply") == 1
    assert html.count('class="row--overdue"') == 1
    assert "2 conversations with a family need a reply." in html

    staff_only = client.get("/messages/?kind=staff_only")
    assert [t.pk for t in staff_only.context["threads"]] == [mdt.pk]
    # Both counts come from one query (selectors.inbox_counts): the filter narrows the list, not the banner.
    assert staff_only.context["page"].paginator.count == 1
    assert "2 conversations with a family need a reply." in staff_only.content.decode()
    family_only = client.get("/messages/?kind=family").context["threads"]
    assert [t.pk for t in family_only] == [overdue.pk, waiting.pk, answered.pk]
    assert client.get("/messages/?kind=nonsense").status_code == 400

    assert "Sorted by: <strong>urgency (overdue replies, then the longest wait)</strong>" in html
    recent = client.get("/messages/", {"sort": "recent"})
    assert next(t.pk for t in recent.context["threads"]) == mdt.pk
    assert "Sorted by: <strong>most recent message</strong>" in recent.content.decode()


def test_a_childs_messages_tab_lists_its_threads_and_starts_one(client, cast):
    other_child = PatientFactory(named_nurse=cast.nurse_a)
    start(cast.nurse_a, other_child, subject="Another child")
    mine = start(cast.family_a, cast.child_a, subject="About Alice")
    client.force_login(cast.nurse_a)
    response = client.get(f"/patients/{cast.child_a.pk}/messages/")
    assert [t.pk for t in response.context["threads"]] == [mine.pk]
    html = response.content.decode()
    assert f'href="/patients/{cast.child_a.pk}/messages/" aria-current="page">Messages' in html
    assert "Start a conversation" in html

    assert client.get(f"/patients/{cast.child_a.pk}/messages/new/").status_code == 200
    response = client.post(
        f"/patients/{cast.child_a.pk}/messages/new/",
        {"kind": "staff_only", "subject": "MDT discussion", "body": "For Friday's MDT."},
    )
    mdt = Thread.objects.get(subject="MDT discussion")
    assert response.status_code == 302 and response["Location"] == f"/messages/{mdt.pk}/"
    assert mdt.kind == Thread.Kind.STAFF_ONLY and mdt.patient == cast.child_a

    response = client.post(f"/patients/{cast.child_a.pk}/messages/new/", {"kind": "family", "subject": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in _field_error(html, "id_subject")
    assert "Write your message." in _field_error(html, "id_body")
    assert "<legend>Who is this conversation with?</legend>" in html


def test_staff_thread_page_shows_messages_oldest_first_with_author_and_time(client, cast):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        thread = start(cast.family_a, cast.child_a, body="First from the family")
    with time_machine.travel(at(2026, 3, 2, 11, 15), tick=False):
        services.message_post(actor=cast.nurse_a, thread=thread, body="Second from the nurse")
    client.force_login(cast.nurse_a)
    html = client.get(f"/messages/{thread.pk}/").content.decode()
    assert html.index("First from the family") < html.index("Second from the nurse")
    assert "Anne Family" in html and "Nina Nurse" in html
    assert "2 Mar 2026, 10:00" in html and "2 Mar 2026, 11:15" in html
    assert "Your reply to the family" in html


def test_a_family_reply_needs_words(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.family_a)
    response = client.post(family_url(thread), {"reply-body": "   "})
    assert response.status_code == 400
    assert "Write your message." in _field_error(response.content.decode(), "id_reply-body")
    assert thread.messages.count() == 1


# --- Handled / needs a reply --------------------------------------------------------------------


def test_staff_mark_a_family_thread_handled_and_needing_a_reply(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.nurse_a)
    html = client.get(f"/messages/{thread.pk}/").content.decode()
    assert "Needs a reply" in html and "Mark as handled" in html

    response = client.post(f"/messages/{thread.pk}/mark/", {"status": "handled"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == Thread.Status.HANDLED and thread.awaiting_reply_since is None
    assert "Mark as needing a reply" in client.get(f"/messages/{thread.pk}/").content.decode()

    response = client.post(f"/messages/{thread.pk}/mark/", {"status": "needs_reply"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div class="thread-status card" id="thread-status">')
    assert "Marked as needing a reply." in html and "Mark as handled" in html
    thread.refresh_from_db()
    assert thread.status == Thread.Status.NEEDS_REPLY

    assert client.post(f"/messages/{thread.pk}/mark/", {"status": "maybe"}).status_code == 400


def test_a_staff_only_thread_has_no_status_buttons(client, cast):
    mdt = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY)
    client.force_login(cast.nurse_a)
    html = client.get(f"/messages/{mdt.pk}/").content.decode()
    assert "Mark as" not in html and "The family cannot see this conversation." in html
    assert client.post(f"/messages/{mdt.pk}/mark/", {"status": "handled"}).status_code == 400


def test_a_staff_reply_from_the_page_marks_the_thread_handled(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.nurse_a)
    client.post(f"/messages/{thread.pk}/", {"reply-body": "Thanks, all fine."})
    thread.refresh_from_db()
    assert thread.status == Thread.Status.HANDLED


# --- Out of hours -------------------------------------------------------------------------------

BANNER = "The care team is not at work right now"


@pytest.mark.parametrize(
    ("moment", "shown"), [(SATURDAY_MORNING, True), (WEEKDAY_EVENING, True), (WEDNESDAY_MORNING, False)]
)
def test_the_out_of_hours_banner_shows_before_a_family_sends(client, cast, moment, shown):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.family_a)
    with time_machine.travel(moment, tick=False):
        for url in (f"/portal/children/{cast.child_a.pk}/messages/new/", family_url(thread)):
            html = client.get(url).content.decode()
            assert (BANNER in html) is shown, url
            assert ("Monday to Friday, 9am to 5pm" in html) is shown
            assert ("call 999 or go to A&amp;E" in html) is True  # the emergency advice is always there
            assert "NHS 111" in html


def test_the_banner_stays_when_a_form_comes_back_with_an_error(client, cast):
    client.force_login(cast.family_a)
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        response = client.post(
            f"/portal/children/{cast.child_a.pk}/messages/new/", {"subject": "", "body": ""}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert BANNER in html and "Say what your message is about." in html


# --- Audit --------------------------------------------------------------------------------------


def test_reads_of_threads_and_lists_are_audited_once_per_request(client, cast):
    thread = start(cast.family_a, cast.child_a)
    services.message_post(actor=cast.nurse_a, thread=thread, body="Second")
    client.force_login(cast.nurse_a)
    client.get(f"/messages/{thread.pk}/")
    client.get("/messages/")
    client.get(f"/patients/{cast.child_a.pk}/messages/")
    client.force_login(cast.family_a)
    client.get(family_url(thread))
    client.get(f"/portal/children/{cast.child_a.pk}/messages/")
    events = list(AccessEvent.objects.order_by("id").values_list("user", "patient", "what"))
    a = cast.child_a.pk
    assert events == [
        (cast.nurse_a.pk, a, "messages"),
        (cast.nurse_a.pk, a, "message list"),
        (cast.nurse_a.pk, a, "message list"),
        (cast.family_a.pk, a, "messages"),
        (cast.family_a.pk, a, "portal messages"),
    ]


def test_break_glass_reads_are_flagged(client, cast):
    thread = start(cast.family_a, cast.child_a)
    client.force_login(cast.nurse_glass)
    html = client.get(f"/messages/{thread.pk}/").content.decode()
    assert "Break-glass access." in html
    assert AccessEvent.objects.get(user=cast.nurse_glass).via_break_glass


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_the_inbox_query_count_does_not_grow_with_its_rows(client, cast, django_assert_max_num_queries, size):
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    children = [PatientFactory(named_nurse=cast.nurse_a) for _ in range(3)]
    for child in children:
        CareTeamMemberFactory(patient=child, user=consultant)
    for n in range(size):
        start(cast.nurse_a, children[n % 3], subject=f"Thread {n}", kind=Thread.Kind.STAFF_ONLY)
    client.force_login(consultant)
    # Session, user, profile, page, both counts, audit (2), notifications, unread messages.
    with django_assert_max_num_queries(11):
        response = client.get("/messages/")
    assert len(response.context["threads"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_thread_page_query_count_does_not_grow_with_its_messages(
    client, cast, django_assert_max_num_queries, size
):
    thread = start(cast.family_a, cast.child_a, attachments=[upload()])
    for n in range(size - 1):
        author = cast.nurse_a if n % 2 else cast.family_a
        services.message_post(actor=author, thread=thread, body=f"Message {n}", attachments=[upload()])
    client.force_login(cast.nurse_a)
    # Session, user, profile, thread, audit (2), read state (4), notifications (2), messages,
    # attachments, break-glass check, and the header's two counts (and the unread count's marker).
    with django_assert_max_num_queries(18):
        response = client.get(f"/messages/{thread.pk}/")
    assert len(response.context["thread_messages"]) == size
    client.force_login(cast.family_a)
    with django_assert_max_num_queries(20):  # and the nursing team's contact line and hours
        response = client.get(family_url(thread))
    assert len(response.context["thread_messages"]) == size
