"""The portal home (a child picker), the child page (team, treatment calendar, documents, links) and the
account page (password, email preference, linked children)."""

import datetime

from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.notifications.models import Delivery, Notification
from apps.notifications.services import notification_create
from apps.patients.models import Guardian
from apps.scheduling import services as scheduling
from carecoord.dates import family_date
from tests.factories import PASSWORD, CareTeamMemberFactory, StaffFactory

NEW_PASSWORD = "a-new-and-long-passphrase-9"


def test_one_child_goes_straight_to_their_page_and_several_get_a_picker(client_for, cast):
    family = client_for(cast.family_a)
    assert family.get("/portal/")["Location"] == f"/portal/children/{cast.child_a.pk}/"
    Guardian.objects.create(patient=cast.child_b, user=cast.family_a, relationship="mother")
    picker = family.get("/portal/")
    assert picker.status_code == 200
    html = picker.content.decode()
    assert f"/portal/children/{cast.child_a.pk}/" in html and f"/portal/children/{cast.child_b.pk}/" in html


def test_the_child_page_links_to_documents_symptoms_and_the_account(client_for, cast):
    html = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert f"/portal/children/{cast.child_a.pk}/documents/" in html
    assert f"/portal/children/{cast.child_a.pk}/symptoms/" in html
    assert "Tell us symptoms are coming back" in html
    assert "/portal/account/" in html


def test_the_care_team_shows_names_and_roles_but_no_contact_details(client_for, cast):
    cast.nurse_a.phone = "07700 900123"
    cast.nurse_a.save(update_fields=["phone"])
    psychologist = StaffFactory(full_name="Pam Psych", role=StaffProfile.Role.PSYCHOLOGIST)
    CareTeamMemberFactory(patient=cast.child_a, user=psychologist, role=StaffProfile.Role.PSYCHOLOGIST)
    html = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert "Pam Psych" in html and "Clinical psychologist" in html and "Nina Nurse" in html
    for contact in (cast.nurse_a.email, psychologist.email, "07700 900123"):
        assert contact not in html


def test_the_treatment_calendar_lists_the_series_dates(client_for, cast):
    first = timezone.now() + datetime.timedelta(days=3)
    series = scheduling.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="IVIG infusions",
        interval_days=28,
        count=3,
        first_starts_at=first,
    )
    response = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/")
    calendar = response.context["treatment_calendar"]
    assert [c.title for c in calendar] == ["IVIG infusions"]
    assert [a.pk for a, _ in calendar[0].visits] == list(
        series.appointments.order_by("starts_at").values_list("pk", flat=True)
    )
    html = response.content.decode()
    for a, _ in calendar[0].visits:
        assert family_date(a.starts_at) in html  # the one family date style
    assert AccessEvent.objects.filter(user=cast.family_a, patient=cast.child_a).count() == 1


def test_changing_the_password_keeps_this_session(client, client_for, cast):
    family = client_for(cast.family_a)
    response = family.post(
        "/portal/account/",
        {
            "action": "password",
            "password-old_password": PASSWORD,
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert family.get("/portal/account/").status_code == 200  # still logged in
    # django-axes (first backend) needs the request of the attempt.
    attempt = RequestFactory().post("/portal/login/")
    assert authenticate(attempt, username=cast.family_a.email, password=NEW_PASSWORD) == cast.family_a


def test_a_wrong_current_password_is_a_400(client_for, cast):
    response = client_for(cast.family_a).post(
        "/portal/account/",
        {
            "action": "password",
            "password-old_password": "wrong",
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "password_incorrect" in response.context["password_form"].errors.as_json()
    cast.family_a.refresh_from_db()
    assert cast.family_a.check_password(PASSWORD)


def test_turning_emails_off_keeps_in_app_updates(client_for, cast):
    family = client_for(cast.family_a)
    page = family.get("/portal/account/")
    assert page.context["preference_form"]["email_notifications"].value() is True

    response = family.post("/portal/account/", {"action": "notifications"})  # unticked box

    assert response.status_code == 302
    cast.family_a.refresh_from_db()
    assert cast.family_a.email_notifications is False
    notification_create(recipient=cast.family_a, kind="test", title="Something new")
    assert Notification.objects.filter(recipient=cast.family_a).count() == 1
    assert not Delivery.objects.filter(to_address=cast.family_a.email).exists()
    family.post("/portal/account/", {"action": "notifications", "prefs-email_notifications": "on"})
    cast.family_a.refresh_from_db()
    notification_create(recipient=cast.family_a, kind="test", title="Something else")
    assert Delivery.objects.filter(to_address=cast.family_a.email).count() == 1


def test_the_account_lists_only_the_linked_children(client_for, cast):
    response = client_for(cast.family_a).get("/portal/account/")
    assert [c.pk for c in response.context["children"]] == [cast.child_a.pk]
    assert cast.child_b.given_name not in response.content.decode()


def test_an_unknown_account_action_is_a_400(client_for, cast):
    assert client_for(cast.family_a).post("/portal/account/", {"action": "delete-me"}).status_code == 400


def test_staff_get_404_on_the_family_pages(client_for, cast):
    staff = client_for(cast.nurse_a)
    for url in ("/portal/account/", f"/portal/children/{cast.child_a.pk}/symptoms/"):
        assert staff.get(url).status_code == 404
