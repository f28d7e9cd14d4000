"""The messaging API: a child's threads and starting one, the inbox, one thread with its messages,
posting (JSON and multipart), marking read, staff marking handled, and attachments; with family
isolation (another child's threads and every staff-only thread are a 404), roles (403), bad input
(400), the family's narrower view, audit and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.messaging import services
from apps.messaging.models import MESSAGE_MAX_LENGTH, Message, MessageAttachment, ReadState, Thread
from apps.notifications.models import Delivery, Notification
from apps.patients.models import Guardian

from ..factories import CareTeamMemberFactory, StaffFactory
from . import EXE, PDF, PNG, reply, start, upload

SECRET = "Alice vomited twice after the dexamethasone"
MDT_NOTE = "MDT: consider a second course of rituximab"
FAMILY_THREAD_KEYS = {"id", "patient", "subject", "created_at", "last_message_at", "unread"}
FAMILY_MESSAGE_KEYS = {"id", "author_name", "from_family", "body", "created_at", "attachments"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def threads(cast):
    """Child A's family thread (from the family) and staff-only thread, and child B's family thread."""
    family = start(cast.family_a, cast.child_a, subject="Wobbly walking", body=SECRET)
    mdt = start(cast.nurse_a, cast.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT", body=MDT_NOTE)
    other = start(cast.family_b, cast.child_b, subject="Bobby's sleep", body="Bobby is not sleeping.")
    return family, mdt, other


def child_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/threads/"


def thread_url(thread, step: str = "") -> str:
    return f"/api/v1/threads/{thread.pk}/{f'{step}/' if step else ''}"


def audited(user, patient, what: str = "messages") -> int:
    return AccessEvent.objects.filter(user=user, patient=patient, what=what).count()


def error_of(response) -> dict:
    return response.json()["error"]


def written():
    return (
        Thread.objects.count(),
        Message.objects.count(),
        MessageAttachment.objects.count(),
        Notification.objects.count(),
        Delivery.objects.count(),
        list(Thread.objects.order_by("pk").values_list("status", "awaiting_reply_since")),
        list(ReadState.objects.order_by("pk").values_list("user", "thread", "last_read_at")),
    )


# --- A child's threads ----------------------------------------------------------------------------


def test_staff_list_a_childs_threads_of_both_kinds_with_flags_and_unread(cast, api_for, threads):
    family, mdt, _ = threads

    response = api_for(cast.nurse_a).get(child_url(cast.child_a))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [family.pk, mdt.pk]  # needing a reply first
    first, second = rows
    assert (first["kind"], first["status"], first["unread"]) == ("family", "needs_reply", 1)
    assert first["awaiting_reply_since"] is not None
    assert first["escalated_at"] is None
    assert (second["kind"], second["kind_label"], second["unread"]) == ("staff_only", "Staff only", 0)
    assert second["created_by_name"] == "Nina Nurse"
    assert audited(cast.nurse_a, cast.child_a) == 1


def test_a_family_lists_only_their_childs_family_threads_in_the_family_view(cast, api_for, threads):
    family, _, _ = threads
    reply(cast.nurse_a, family)

    response = api_for(cast.family_a).get(child_url(cast.child_a))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["subject"], row["unread"]) == (family.pk, "Wobbly walking", 1)
    assert set(row) == FAMILY_THREAD_KEYS
    assert "MDT" not in response.content.decode()
    staff_only = api_for(cast.family_a).get(child_url(cast.child_a), {"kind": "staff_only"})
    assert staff_only.status_code == 200
    assert staff_only.json()["results"] == []
    assert audited(cast.family_a, cast.child_a) == 2


@pytest.mark.parametrize(
    ("who", "child"),
    [("family_a", "child_b"), ("family_b", "child_a"), ("nurse_other", "child_a"), ("admin", "child_a")],
)
def test_someone_outside_the_childs_care_gets_a_404_on_its_threads(cast, api_for, threads, who, child):
    user, patient = getattr(cast, who), getattr(cast, child)
    client = api_for(user)
    before = written()

    listed = client.get(child_url(patient))
    created = client.post(child_url(patient), {"subject": "Hi", "body": "Hello"}, format="json")

    assert (listed.status_code, created.status_code) == (404, 404)
    assert error_of(listed)["code"] == "not_found"
    assert written() == before
    assert not AccessEvent.objects.filter(user=user).exists()


def test_a_missing_child_is_a_404_like_a_forbidden_one(cast, api_for):
    assert api_for(cast.nurse_a).get("/api/v1/patients/999999/threads/").status_code == 404


def test_a_break_glass_read_is_audited_as_such(cast, api_for, threads):
    response = api_for(cast.nurse_glass).get(child_url(cast.child_a))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    event = AccessEvent.objects.get(user=cast.nurse_glass, what="messages")
    assert event.via_break_glass is True


def test_anonymous_callers_are_refused(cast, api, threads):
    family, _, _ = threads
    assert api.get(child_url(cast.child_a)).status_code == 403
    assert api.get(thread_url(family)).status_code == 403
    assert api.post(thread_url(family, "messages"), {"body": "Hi"}, format="json").status_code == 403


# --- Starting a thread ----------------------------------------------------------------------------


def test_a_family_starts_a_thread_about_their_child(cast, api_for):
    response = api_for(cast.family_a).post(
        child_url(cast.child_a), {"subject": "Eyes", "body": "Her eyes are <b>darting</b>."}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    thread = Thread.objects.get()
    assert (thread.patient, thread.kind, thread.created_by) == (cast.child_a, "family", cast.family_a)
    assert set(body) == FAMILY_THREAD_KEYS | {"messages"}
    [message] = body["messages"]
    assert message["body"] == "Her eyes are <b>darting</b>."  # plain text as written: clients escape
    assert (message["author_name"], message["from_family"]) == ("Anne Family", True)
    assert Notification.objects.filter(recipient=cast.nurse_a).count() == 1


def test_a_family_cannot_start_a_staff_only_thread(cast, api_for):
    response = api_for(cast.family_a).post(
        child_url(cast.child_a), {"subject": "Hi", "body": "Hello", "kind": "staff_only"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Thread.objects.exists()


def test_staff_start_a_staff_only_thread_with_a_file(cast, api_for):
    response = api_for(cast.nurse_a).post(
        child_url(cast.child_a),
        {"subject": "MDT discussion", "body": MDT_NOTE, "kind": "staff_only", "file": upload("mri.pdf")},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["status"], body["created_by"]) == ("staff_only", "handled", cast.nurse_a.pk)
    [message] = body["messages"]
    assert message["author"] == cast.nurse_a.pk
    [attachment] = message["attachments"]
    assert (attachment["original_name"], attachment["content_type"], attachment["size"]) == (
        "mri.pdf",
        "application/pdf",
        len(PDF),
    )
    assert not Notification.objects.filter(recipient=cast.family_a).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "Hi", "body": "   "}, "body"),
        ({"subject": "Hi", "body": "a" * (MESSAGE_MAX_LENGTH + 1)}, "body"),
        ({"subject": "", "body": "Hello"}, "subject"),
        ({"subject": "Hi"}, "body"),
        ({"subject": "Hi", "body": "Hello", "kind": "everyone"}, "kind"),
    ],
)
def test_bad_input_when_starting_a_thread_is_a_400_with_the_field(cast, api_for, data, field):
    response = api_for(cast.family_a).post(child_url(cast.child_a), data, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert set(error_of(response)["fields"]) == {field}
    assert not Thread.objects.exists()


# --- One thread -----------------------------------------------------------------------------------


def test_staff_read_a_thread_with_its_messages_and_flags(cast, api_for, threads):
    family, _, _ = threads
    reply(cast.nurse_a, family, "<script>alert('hi')</script> Call us on the ward.")

    response = api_for(cast.nurse_a).get(thread_url(family))

    assert response.status_code == 200
    body = response.json()
    assert (body["subject"], body["kind"], body["status"]) == ("Wobbly walking", "family", "handled")
    assert [m["body"] for m in body["messages"]] == [
        SECRET,
        "<script>alert('hi')</script> Call us on the ward.",
    ]
    assert [m["author"] for m in body["messages"]] == [cast.family_a.pk, cast.nurse_a.pk]
    assert response["Content-Type"] == "application/json"
    assert audited(cast.nurse_a, cast.child_a) == 1


def test_a_family_reads_their_thread_without_internal_data(cast, api_for, threads):
    family, _, _ = threads
    reply(cast.nurse_a, family)

    response = api_for(cast.family_a).get(thread_url(family))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FAMILY_THREAD_KEYS | {"messages"}
    assert all(set(m) == FAMILY_MESSAGE_KEYS for m in body["messages"])
    assert [m["author_name"] for m in body["messages"]] == ["Anne Family", "Nina Nurse"]
    text = response.content.decode()
    for internal in ("awaiting_reply_since", "escalated_at", "status", "staff_only", cast.nurse_a.email):
        assert internal not in text
    assert audited(cast.family_a, cast.child_a) == 1


def test_reading_a_thread_twice_in_one_request_is_audited_once(cast, api_for, threads):
    family, _, _ = threads
    api_for(cast.nurse_a).get(thread_url(family))
    api_for(cast.nurse_a).get(thread_url(family))
    assert audited(cast.nurse_a, cast.child_a) == 2  # once per request


@pytest.mark.parametrize(
    ("who", "which"),
    [
        ("family_a", "mdt"),  # a staff-only thread about their own child
        ("family_a", "other"),  # another child's
        ("family_b", "family"),
        ("family_b", "mdt"),
        ("nurse_other", "family"),
        ("admin", "mdt"),
    ],
)
def test_every_thread_route_is_a_404_out_of_scope(cast, api_for, threads, who, which):
    family, mdt, other = threads
    thread = {"family": family, "mdt": mdt, "other": other}[which]
    attachment = MessageAttachment.objects.create(
        message=thread.messages.first(), file=upload(), original_name="a.pdf", content_type="x", size=1
    )
    user = getattr(cast, who)
    client = api_for(user)
    before = written()

    responses = [
        client.get(thread_url(thread)),
        client.post(thread_url(thread, "messages"), {"body": "Hello?"}, format="json"),
        client.post(thread_url(thread, "messages"), {"body": "Hello?", "file": upload()}),
        client.post(thread_url(thread, "read")),
        client.post(thread_url(thread, "mark"), {"status": "handled"}, format="json"),
        client.get(f"{thread_url(thread)}attachments/{attachment.pk}/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(MDT_NOTE not in r.content.decode() and SECRET not in r.content.decode() for r in responses)
    assert written() == before
    assert not AccessEvent.objects.filter(user=user).exists()


def test_a_missing_thread_is_a_404(cast, api_for):
    assert api_for(cast.nurse_a).get("/api/v1/threads/999999/").status_code == 404


# --- The inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_every_thread_the_caller_can_see(cast, api_for, threads):
    family, mdt, other = threads
    second_child_a = start(cast.nurse_a, cast.child_a, subject="Clinic letter")

    nurse = api_for(cast.nurse_a).get("/api/v1/threads/").json()["results"]
    assert [row["id"] for row in nurse] == [family.pk, second_child_a.pk, mdt.pk]
    only_family = api_for(cast.nurse_a).get("/api/v1/threads/", {"kind": "family"}).json()["results"]
    assert {row["id"] for row in only_family} == {family.pk, second_child_a.pk}

    parents = api_for(cast.family_a).get("/api/v1/threads/").json()["results"]
    assert [row["id"] for row in parents] == [family.pk, second_child_a.pk]
    assert all(set(row) == FAMILY_THREAD_KEYS for row in parents)
    assert [row["id"] for row in api_for(cast.family_b).get("/api/v1/threads/").json()["results"]] == [
        other.pk
    ]
    assert api_for(cast.nurse_other).get("/api/v1/threads/").json()["results"] == []


def test_a_bad_kind_filter_is_a_400(cast, api_for):
    response = api_for(cast.nurse_a).get("/api/v1/threads/", {"kind": "everyone"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"kind"}


# --- Posting --------------------------------------------------------------------------------------


def test_a_family_posts_a_message_as_json(cast, api_for, threads):
    family, _, _ = threads
    response = api_for(cast.family_a).post(
        thread_url(family, "messages"), {"body": "  <i>Still</i> wobbly.  "}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == FAMILY_MESSAGE_KEYS
    assert (body["body"], body["from_family"], body["attachments"]) == ("<i>Still</i> wobbly.", True, [])
    assert family.messages.count() == 2


def test_a_family_posts_a_message_with_files_as_multipart(cast, api_for, threads, tmp_path):
    family, _, _ = threads
    response = api_for(cast.family_a).post(
        thread_url(family, "messages"),
        {"body": "Photos attached.", "file": [upload("rash.png", PNG, "image/png"), upload("letter.pdf")]},
    )

    assert response.status_code == 201
    names = [(a["original_name"], a["content_type"]) for a in response.json()["attachments"]]
    assert sorted(names) == [("letter.pdf", "application/pdf"), ("rash.png", "image/png")]
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2


def test_a_staff_reply_clears_the_needs_reply_flag(cast, api_for, threads):
    family, _, _ = threads
    response = api_for(cast.nurse_a).post(thread_url(family, "messages"), {"body": "Call us."}, format="json")

    assert response.status_code == 201
    assert response.json()["author"] == cast.nurse_a.pk
    family.refresh_from_db()
    assert (family.status, family.awaiting_reply_since) == ("handled", None)


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([upload("setup.pdf", EXE)], "Only PDF, PNG or JPEG files can be attached."),
        ([upload("empty.pdf", b"")], "The file is empty."),
        ([upload("big.pdf", PDF + b"0" * (5 * 1024 * 1024))], "The file is too large: the limit is 5 MB."),
        ([upload(f"{n}.pdf") for n in range(4)], "Attach up to 3 files to one message."),
    ],
    ids=["exe-renamed-pdf", "empty", "over-5mb", "four-files"],
)
def test_a_bad_attachment_is_a_400_on_file_and_nothing_is_saved(
    cast, api_for, threads, tmp_path, files, error
):
    family, _, _ = threads
    before = written()

    response = api_for(cast.family_a).post(
        thread_url(family, "messages"), {"body": "See this", "file": files}
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"file": [error]}
    assert written() == before
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.parametrize("body", ["", "   ", "a" * (MESSAGE_MAX_LENGTH + 1)])
def test_an_empty_or_too_long_message_is_a_400_on_body(cast, api_for, threads, body):
    family, _, _ = threads
    before = written()
    response = api_for(cast.family_a).post(thread_url(family, "messages"), {"body": body}, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body"}
    assert written() == before


def test_a_deactivated_guardian_loses_the_thread_at_once(cast, api_for, threads):
    family, _, _ = threads
    Guardian.objects.filter(pk=cast.guardian_a.pk).update(is_active=False)
    client = api_for(cast.family_a)
    assert client.get(thread_url(family)).status_code == 404
    assert client.post(thread_url(family, "messages"), {"body": "Hi"}, format="json").status_code == 404
    assert client.get(child_url(cast.child_a)).status_code == 404


# --- Read state -----------------------------------------------------------------------------------


def test_marking_read_brings_the_callers_unread_count_down(cast, api_for, threads, time_machine):
    family, _, _ = threads
    time_machine.move_to(timezone.now(), tick=False)
    time_machine.shift(60)
    reply(cast.nurse_a, family)
    time_machine.shift(60)
    client = api_for(cast.family_a)
    assert client.get(child_url(cast.child_a)).json()["results"][0]["unread"] == 1

    response = client.post(thread_url(family, "read"))

    assert response.status_code == 204
    assert client.get(child_url(cast.child_a)).json()["results"][0]["unread"] == 0
    assert client.get(thread_url(family)).json()["unread"] == 0
    time_machine.shift(60)
    reply(cast.family_a, family, "Thank you.")
    assert client.get(thread_url(family)).json()["unread"] == 0  # one's own message is never unread
    nurse = api_for(cast.nurse_a)
    assert nurse.get(thread_url(family)).json()["unread"] == 1


# --- Marking handled / needs a reply --------------------------------------------------------------


def test_staff_mark_a_thread_handled_and_needing_a_reply(cast, api_for, threads):
    family, _, _ = threads
    client = api_for(cast.nurse_a)

    handled = client.post(thread_url(family, "mark"), {"status": "handled"}, format="json")
    assert handled.status_code == 200
    assert (handled.json()["status"], handled.json()["awaiting_reply_since"]) == ("handled", None)
    again = client.post(thread_url(family, "mark"), {"status": "needs_reply"}, format="json")
    assert (again.status_code, again.json()["status"], again.json()["status_label"]) == (
        200,
        "needs_reply",
        "Needs a reply",
    )


def test_a_family_cannot_mark_their_thread(cast, api_for, threads):
    family, _, _ = threads
    before = written()
    response = api_for(cast.family_a).post(thread_url(family, "mark"), {"status": "handled"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert written() == before


def test_marking_with_an_unknown_status_is_a_400(cast, api_for, threads):
    family, _, _ = threads
    response = api_for(cast.nurse_a).post(thread_url(family, "mark"), {"status": "closed"}, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"status"}


# --- Attachments ----------------------------------------------------------------------------------


def test_a_family_downloads_a_file_of_their_thread_and_it_is_audited(cast, api_for, threads):
    family, _, _ = threads
    message = services.message_post(
        actor=cast.nurse_a, thread=family, body="The letter.", attachments=[upload("clinic letter.pdf")]
    )
    attachment = message.attachments.get()
    detail = api_for(cast.family_a).get(thread_url(family)).json()
    download_url = detail["messages"][-1]["attachments"][0]["download_url"]
    assert download_url == f"/api/v1/threads/{family.pk}/attachments/{attachment.pk}/"

    response = api_for(cast.family_a).get(download_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert audited(cast.family_a, cast.child_a, "message attachment") == 1


def test_a_file_of_another_thread_is_a_404(cast, api_for, threads):
    family, mdt, _ = threads
    message = services.message_post(actor=cast.nurse_a, thread=mdt, body="Scan", attachments=[upload()])
    attachment = message.attachments.get()
    # Through a thread the family can see, but the file belongs to the staff-only one.
    response = api_for(cast.family_a).get(f"{thread_url(family)}attachments/{attachment.pk}/")
    assert response.status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


def _queries(client, url) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


@pytest.mark.parametrize("subject", ["nurse_a", "family_a"])
def test_list_query_counts_do_not_grow_with_threads(cast, api_for, subject):
    client = api_for(getattr(cast, subject))
    start(cast.family_a, cast.child_a)
    few, _ = _queries(client, child_url(cast.child_a))
    inbox_few, _ = _queries(client, "/api/v1/threads/")
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=consultant)
    for n in range(4):
        thread = start(cast.family_a, cast.child_a, subject=f"Question {n}")
        reply(cast.nurse_a, thread)
        start(consultant, cast.child_a, subject=f"Update {n}")

    many, body = _queries(client, child_url(cast.child_a))
    inbox_many, inbox = _queries(client, "/api/v1/threads/")

    assert body["count"] == inbox["count"] == 9
    assert many == few <= 6
    assert inbox_many == inbox_few <= 6


@pytest.mark.parametrize("subject", ["nurse_a", "family_a"])
def test_a_threads_query_count_does_not_grow_with_messages_or_files(cast, api_for, subject):
    client = api_for(getattr(cast, subject))
    thread = start(cast.family_a, cast.child_a, attachments=[upload()])
    few, _ = _queries(client, thread_url(thread))
    for n in range(4):
        reply(cast.nurse_a, thread, f"Reply {n}")
        services.message_post(
            actor=cast.family_a, thread=thread, body=f"More {n}", attachments=[upload(f"{n}.pdf")]
        )

    many, body = _queries(client, thread_url(thread))

    assert len(body["messages"]) == 9
    assert many == few <= 6
