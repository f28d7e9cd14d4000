"""The family's Updates page: plain-language cards, the portal's date style, unread marked, scoped and audited."""

import datetime

from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.notifications.models import Notification
from apps.notifications.services import notification_create
from apps.patients.models import Guardian
from carecoord.dates import family_when


def _notify(user, patient, kind: str, title: str, url: str = "") -> Notification:
    return notification_create(
        recipient=user, kind=kind, title=title, url=url, patient_id=patient.pk, email=False
    )


def test_updates_are_cards_in_plain_words_with_the_family_date_style(client_for, cast):
    moved = _notify(
        cast.family_a,
        cast.child_a,
        "appointment_moved",
        "An appointment has moved to Tuesday 1 December, 9:30am",
        f"/portal/children/{cast.child_a.pk}/",
    )
    response = client_for(cast.family_a).get("/portal/updates/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Updates</h1>" in html and "<table" not in html
    assert "An appointment has moved" in html and "Appointment" in html
    assert family_when(moved.created_at) in html
    assert f'href="/portal/children/{cast.child_a.pk}/"' in html
    assert '<span class="tag tag--new">New</span>' in html and "1 new update" in html


def test_read_updates_lose_their_new_mark_and_mark_all_read_comes_back_here(client_for, cast):
    _notify(cast.family_a, cast.child_a, "message", "You have a new message")
    family = client_for(cast.family_a)
    response = family.post("/notifications/read/")
    assert response["Location"] == "/portal/updates/"
    html = family.get("/portal/updates/").content.decode()
    assert "You have a new message" in html and "tag--new" not in html and "Mark all as read" not in html


def test_a_family_sees_only_its_own_updates_and_none_about_a_child_it_no_longer_sees(client_for, cast):
    _notify(cast.family_b, cast.child_b, "message", "For Bert only")
    gone = _notify(cast.family_a, cast.child_a, "message", "About a child no longer linked")
    html = client_for(cast.family_a).get("/portal/updates/").content.decode()
    assert "For Bert only" not in html and "About a child no longer linked" in html
    Guardian.objects.filter(user=cast.family_a, patient=cast.child_a).update(is_active=False)
    Guardian.objects.create(patient=cast.child_b, user=cast.family_a, relationship="aunt")
    html = client_for(cast.family_a).get("/portal/updates/").content.decode()
    assert gone.title not in html


def test_showing_updates_is_audited_once_per_child(client_for, cast):
    for title in ("One", "Two"):
        _notify(cast.family_a, cast.child_a, "message", title)
    client_for(cast.family_a).get("/portal/updates/")
    reads = AccessEvent.objects.filter(user=cast.family_a, patient=cast.child_a, what="portal updates")
    assert reads.count() == 1


def test_the_old_notifications_address_sends_a_family_to_updates(client_for, cast):
    response = client_for(cast.family_a).get("/notifications/")
    assert response.status_code == 302 and response["Location"] == "/portal/updates/"


def test_updates_keep_a_constant_number_of_queries(client_for, cast, django_assert_max_num_queries):
    family = client_for(cast.family_a)
    family.get("/portal/updates/")
    for n in range(20):
        _notify(cast.family_a, cast.child_a, "document_shared", f"New document {n}")
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with django_assert_max_num_queries(16):
        assert family.get("/portal/updates/").status_code == 200
