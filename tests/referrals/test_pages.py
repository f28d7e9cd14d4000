"""Referral pages: the team inbox, detail with history, triage actions, "sent by me", and who gets 404.

Role rule (see test_transitions.py): someone who can see a referral but is not in the target team
gets no triage buttons and, if they post an action anyway, an error message on the page; someone who
cannot see the referral at all (another team, a family) gets 404 on every referral page.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.referrals import services
from apps.referrals.models import ServiceLevelTarget
from apps.workingtime.models import BankHoliday

from ..factories import PatientFactory
from . import Status, drive_to, refer

LONDON = ZoneInfo("Europe/London")
ACTIONS = ("accept", "decline", "book", "seen", "complete", "cancel")


def messages_of(response) -> list[str]:
    """The messages a post left for the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def new_child(people):
    return PatientFactory(named_nurse=people.referrer)


# --- The inbox ------------------------------------------------------------------------------------


def test_inbox_lists_awaiting_triage_first_and_marks_overdue(client, people):
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="routine", triage_working_days=5, seen_within_days=42
    )
    monday = datetime.datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(monday, tick=False):
        accepted = refer(people, patient=new_child(people))
        services.referral_accept(actor=people.oncologist, referral=accepted)
        late = refer(people, patient=new_child(people))
    with time_machine.travel(monday + datetime.timedelta(days=7, hours=1), tick=False):
        fresh = refer(people, patient=new_child(people))
        draft = refer(people, patient=new_child(people), submit=False)
        client.force_login(people.oncologist)
        response = client.get("/referrals/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.referral.pk for r in rows] == [late.pk, fresh.pk, accepted.pk]
    assert draft.pk not in [r.referral.pk for r in rows]
    assert {r.referral.pk: r.overdue for r in rows} == {late.pk: True, fresh.pk: False, accepted.pk: False}
    html = response.content.decode()
    assert html.count('class="row--overdue"') == 1
    assert html.count("tag--warning") == 1  # the one "Overdue" tag
    assert "Triage by 9 Mar" in html


def test_inbox_puts_urgent_referrals_first_says_so_and_can_sort_oldest_first(client, people):
    monday = datetime.datetime(2026, 3, 2, 10, tzinfo=LONDON)
    with time_machine.travel(monday, tick=False):
        old = refer(people, patient=new_child(people))
    with time_machine.travel(monday + datetime.timedelta(days=1), tick=False):
        urgent = refer(people, patient=new_child(people), urgency="urgent")
        client.force_login(people.oncologist)
        response = client.get("/referrals/")
        by_due = client.get("/referrals/", {"sort": "due"})
    assert [r.referral.pk for r in response.context["rows"]] == [urgent.pk, old.pk]
    html = response.content.decode()
    assert "Sorted by: <strong>urgency, then due date</strong>" in html
    assert '<span class="tag tag--warning">Urgent</span>' in html  # in words, not colour alone
    assert [r.referral.pk for r in by_due.context["rows"]] == [old.pk, urgent.pk]
    assert "Sorted by: <strong>oldest first</strong>" in by_due.content.decode()


def test_inbox_shows_only_my_teams_referrals(client, people):
    mine = refer(people)
    elsewhere = refer(people, target_team=people.outsider.staff_profile.teams.get())
    client.force_login(people.oncologist)
    assert [r.referral for r in client.get("/referrals/").context["rows"]] == [mine]
    client.force_login(people.outsider)
    assert [r.referral for r in client.get("/referrals/").context["rows"]] == [elsewhere]


def test_sent_lists_the_referrers_own_referrals(client, people):
    sent = refer(people)
    client.force_login(people.referrer)
    response = client.get("/referrals/sent/")
    assert [r.referral for r in response.context["rows"]] == [sent]
    client.force_login(people.oncologist)
    assert client.get("/referrals/sent/").context["rows"] == []


@pytest.mark.parametrize("size", [3, 40])
def test_the_inbox_query_count_does_not_grow_with_its_rows(
    client, people, django_assert_max_num_queries, size
):
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="routine", triage_working_days=5, seen_within_days=42
    )
    BankHoliday.objects.create(day=datetime.date(2026, 12, 25), name="Christmas Day")
    for _ in range(size):
        refer(people, patient=new_child(people))
    client.force_login(people.oncologist)
    # Session, user, teams, the page, targets and one bank-holiday query for all rows, audit,
    # and the header's unread notification and message counts.
    with django_assert_max_num_queries(14):
        response = client.get("/referrals/")
    assert len(response.context["rows"]) == size


# --- Detail and actions ---------------------------------------------------------------------------


def test_the_referrer_sees_the_referral_but_no_accept_button(client, people):
    referral = refer(people)
    client.force_login(people.referrer)
    response = client.get(f"/referrals/{referral.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/referrals/{referral.pk}/accept/" not in html
    assert f"/referrals/{referral.pk}/decline/" not in html
    assert f"/referrals/{referral.pk}/cancel/" in html  # the referrer may still withdraw it
    client.force_login(people.oncologist)
    html = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert f"/referrals/{referral.pk}/accept/" in html and f"/referrals/{referral.pk}/decline/" in html


def test_the_referrer_posting_accept_is_refused_with_403_and_nothing_changes(client, people):
    referral = refer(people)
    client.force_login(people.referrer)
    response = client.post(f"/referrals/{referral.pk}/accept/", {"expected_status": "submitted"})
    assert response.status_code == 403
    assert b"Only members of Oncology can act on this referral." in response.content
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    assert referral.events.count() == 2


def test_the_page_flow_accept_book_seen_complete(client, people):
    referral = refer(people)
    client.force_login(people.oncologist)
    for action, before, after in [
        ("accept", "submitted", "accepted"),
        ("book", "accepted", "booked"),
        ("seen", "booked", "seen"),
        ("complete", "seen", "completed"),
    ]:
        response = client.post(
            f"/referrals/{referral.pk}/{action}/",
            {"expected_status": before, f"{action}-note": f"{action} via the page"},
            follow=True,
        )
        assert response.redirect_chain == [(f"/referrals/{referral.pk}/", 302)], action
        assert [str(m) for m in response.context["messages"]] == [f"Referral {Status(after).label.lower()}."]
        referral.refresh_from_db()
        assert referral.status == after
    events = list(referral.events.values_list("from_status", "to_status", "note"))
    assert events[2:] == [
        ("submitted", "accepted", "accept via the page"),
        ("accepted", "booked", "book via the page"),
        ("booked", "seen", "seen via the page"),
        ("seen", "completed", "complete via the page"),
    ]
    html = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "This referral is closed." in html
    assert "complete via the page" in html  # the history


def test_an_htmx_action_returns_the_refreshed_body(client, people):
    referral = refer(people)
    client.force_login(people.oncologist)
    response = client.post(
        f"/referrals/{referral.pk}/accept/", {"expected_status": "submitted"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="referral-body">')
    assert "Referral accepted." in html
    assert f"/referrals/{referral.pk}/book/" in html


def test_decline_on_the_page_needs_a_reason(client, people):
    referral = refer(people)
    client.force_login(people.oncologist)
    response = client.post(
        f"/referrals/{referral.pk}/decline/",
        {"expected_status": "submitted", "decline-reason": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED
    response = client.post(
        f"/referrals/{referral.pk}/decline/",
        {"expected_status": "submitted", "decline-reason": "Please refer to neurology first."},
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_reason) == ("declined", "Please refer to neurology first.")


def test_a_stale_page_action_is_refused_with_a_clear_message(client, people):
    referral = refer(people)
    services.referral_accept(actor=people.oncologist_2, referral=referral)
    client.force_login(people.oncologist)
    response = client.post(
        f"/referrals/{referral.pk}/decline/",
        {"expected_status": "submitted", "decline-reason": "Not for us"},
    )
    assert messages_of(response) == ["This referral is now accepted; someone changed it a moment ago."]
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_an_unknown_action_is_404_and_get_is_not_allowed(client, people):
    referral = refer(people)
    client.force_login(people.oncologist)
    assert client.post(f"/referrals/{referral.pk}/delete/").status_code == 404
    assert client.get(f"/referrals/{referral.pk}/accept/").status_code == 405


# --- Who gets 404 ---------------------------------------------------------------------------------


def _every_referral_page(people):
    referral = drive_to(people, Status.SUBMITTED)
    letter = services.referral_attach(
        actor=people.referrer,
        referral=referral,
        upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    gets = [
        "/referrals/",
        "/referrals/sent/",
        "/referrals/external/",
        f"/referrals/{referral.pk}/",
        f"/referrals/{referral.pk}/letters/{letter.pk}/",
        f"/patients/{people.child.pk}/refer/",
    ]
    posts = [f"/referrals/{referral.pk}/{action}/" for action in ACTIONS]
    return referral, gets, posts


def test_a_family_gets_404_on_every_referral_page(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    referral, gets, posts = _every_referral_page(people)
    client.force_login(people.family)  # the guardian of the referred child
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"expected_status": "submitted", "cancel-reason": "x"}).status_code == 404, (
            url
        )
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED


def test_staff_who_cannot_see_the_referral_get_404(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    referral, gets, posts = _every_referral_page(people)
    client.force_login(people.outsider)
    for url in gets[3:]:  # the referral, its letter and the child's refer page
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"expected_status": "submitted", "cancel-reason": "x"}).status_code == 404, (
            url
        )
    referral.refresh_from_db()
    assert referral.status == Status.SUBMITTED


def test_anonymous_users_are_sent_to_the_staff_login(client, people):
    referral = refer(people)
    response = client.get(f"/referrals/{referral.pk}/")
    assert response.status_code == 302 and "/login" in response["Location"]
