"""Guardian invitations: an emailed single-use link that expires after 7 days; only its hash is stored.
And deactivation: ending a guardian's last link ends their live session and empties their calendar feed."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest  # django-axes needs the request of a log in
from django.utils import timezone
from icalendar import Calendar

from apps.accounts.models import User
from apps.notifications.models import Delivery
from apps.patients import services
from apps.patients.models import Guardian, GuardianInvitation
from apps.scheduling import services as scheduling

from ..factories import PASSWORD
from ..sent_mail import send_and_read
from . import book_in

INVITE = {
    "full_name": "Grace Grandparent",
    "email": "Grace.G@Example.org",
    "relationship": "grandparent",
    "has_parental_responsibility": "",
    # Without parental responsibility, access needs an authorisation by someone with it (HAZ-10).
    "authorised_by_name": "Anne Family (mother)",
    "authorised_on": "2025-01-06",
    "authorisation_reason": "Grace brings Alice to most appointments",
}
GOOD_PASSWORD = "a-long-unusual-passphrase-42"


def _invite(client_for, cast, **overrides):
    response = client_for(cast.nurse_a).post(
        f"/patients/{cast.child_a.pk}/guardians/invite/", {**INVITE, **overrides}
    )
    assert response.status_code == 302, response.content.decode()
    return _link_in_email()


def _link_in_email(to="grace.g@example.org") -> str:
    email = send_and_read(to)
    match = re.search(r"http://localhost:8000(/portal/invite/[A-Za-z0-9_-]+/)", email.body)
    assert match, email.body
    return match.group(1)


def _accept(client, link, password=GOOD_PASSWORD):
    return client.post(link, {"new_password1": password, "new_password2": password})


def test_it_emails_a_link_with_no_clinical_detail(client_for, cast):
    link = _invite(client_for, cast)

    email = Delivery.objects.get(to_address="grace.g@example.org")
    assert email.subject == "You are invited to CareCoord"
    for secret in (cast.child_a.given_name, cast.child_a.family_name, cast.child_a.hospital_number):
        assert secret not in email.body and secret not in email.subject
    assert "works once" in email.body
    invitation = GuardianInvitation.objects.get()
    assert invitation.created_by == cast.nurse_a
    assert invitation.has_parental_responsibility is False
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    assert link.startswith("/portal/invite/")


def test_only_a_sha256_of_the_token_is_stored(client_for, cast):
    link = _invite(client_for, cast)
    token = link.rstrip("/").rsplit("/", 1)[1]

    invitation = GuardianInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(v) for v in GuardianInvitation.objects.values().get().values())
    assert token not in stored


def test_accepting_sets_the_password_links_the_child_and_lands_in_the_portal(client, client_for, cast):
    link = _invite(client_for, cast)
    client.logout()

    page = client.get(link)
    assert page.status_code == 200
    assert "Grace Grandparent" in page.content.decode()
    response = _accept(client, link)

    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(email="grace.g@example.org")
    assert user.kind == User.Kind.FAMILY and user.check_password(GOOD_PASSWORD)
    guardian = Guardian.objects.get(user=user)
    assert guardian.patient == cast.child_a and guardian.is_active
    assert guardian.relationship == "grandparent"
    assert GuardianInvitation.objects.get().accepted_at is not None
    home = client.get("/portal/", follow=True)  # logged in: one child, so straight to their page
    assert home.redirect_chain[-1][0] == f"/portal/children/{cast.child_a.pk}/"
    assert client.login(request=HttpRequest(), username="grace.g@example.org", password=GOOD_PASSWORD)


def test_the_link_works_once(client, client_for, cast):
    link = _invite(client_for, cast)
    client.logout()
    assert _accept(client, link).status_code == 302
    client.logout()

    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    second = _accept(client, link, password="another-long-passphrase-7")
    assert second.status_code == 410
    assert User.objects.get(email="grace.g@example.org").check_password(GOOD_PASSWORD)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=link.split("/")[-2], password="another-long-passphrase-7")
    assert exc.value.code == "used"


def test_the_link_expires_after_seven_days(client, client_for, cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        link = _invite(client_for, cast)
    client.logout()

    with time_machine.travel(start + datetime.timedelta(days=7, minutes=-1), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(start + datetime.timedelta(days=7, minutes=1), tick=False):
        expired = client.get(link)
        assert expired.status_code == 410
        assert "expired" in expired.content.decode()
        assert _accept(client, link).status_code == 410
    assert not User.objects.filter(email="grace.g@example.org").exists()
    assert GuardianInvitation.objects.get().accepted_at is None


def test_an_unknown_link_is_a_404_with_a_clear_message(client, cast):
    response = client.get("/portal/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


def test_a_new_invitation_replaces_the_old_one_and_withdrawing_stops_it(client, client_for, cast):
    first = _invite(client_for, cast)
    second = _invite(client_for, cast)
    assert first != second
    client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200

    invitation = GuardianInvitation.objects.get(accepted_at__isnull=True, revoked_at__isnull=True)
    staff = client_for(cast.nurse_a)
    detail = staff.get(f"/patients/{cast.child_a.pk}/").content.decode()
    assert "Invitations not yet used" in detail and "grace.g@example.org" in detail
    response = staff.post(f"/patients/{cast.child_a.pk}/invitations/{invitation.pk}/withdraw/")
    assert response.status_code == 302
    staff.logout()
    withdrawn = client.get(second)
    assert withdrawn.status_code == 410 and "withdrawn" in withdrawn.content.decode()


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(client, client_for, cast):
    link = _invite(client_for, cast)
    client.logout()

    weak = _accept(client, link, password="12345")
    assert weak.status_code == 400
    assert "too short" in weak.content.decode()
    mismatch = client.post(link, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD + "x"})
    assert mismatch.status_code == 400
    assert "not the same" in mismatch.content.decode()
    assert GuardianInvitation.objects.get().accepted_at is None
    assert "_auth_user_id" not in client.session
    assert _accept(client, link).status_code == 302


def test_an_existing_family_account_gains_a_second_child(client, client_for, cast):
    services.care_team_member_add(actor=cast.admin, patient=cast.child_b, user=cast.nurse_a)
    services.invitation_send(
        actor=cast.nurse_a,
        patient=cast.child_b,
        email=cast.family_a.email,
        full_name=cast.family_a.full_name,
        relationship="father",
    )
    link = _link_in_email(cast.family_a.email)
    client.logout()

    # Not a password reset: a wrong password is refused and the account's password stays as it was.
    assert _accept(client, link).status_code == 400
    cast.family_a.refresh_from_db()
    assert cast.family_a.check_password(PASSWORD)
    assert _accept(client, link, password=PASSWORD).status_code == 302
    assert set(
        Guardian.objects.filter(user=cast.family_a, is_active=True).values_list("patient", flat=True)
    ) == {
        cast.child_a.pk,
        cast.child_b.pk,
    }
    assert client.get("/portal/").status_code == 200  # two children: the picker


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"relationship": "pet"}, "relationship"),
        ({"full_name": "  "}, "full_name"),
    ],
)
def test_bad_invitations_are_refused_next_to_the_field(client_for, cast, overrides, field):
    response = client_for(cast.nurse_a).post(
        f"/patients/{cast.child_a.pk}/guardians/invite/", {**INVITE, **overrides}
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not GuardianInvitation.objects.exists() and not Delivery.objects.exists()


def test_staff_emails_and_current_guardians_are_refused(cast):
    with pytest.raises(ValidationError) as staff:
        services.invitation_send(
            actor=cast.nurse_a,
            patient=cast.child_a,
            email=cast.nurse_other.email,
            full_name="X",
            relationship="mother",
        )
    assert "staff account" in staff.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as current:
        services.invitation_send(
            actor=cast.nurse_a,
            patient=cast.child_a,
            email=cast.family_a.email,
            full_name="X",
            relationship="mother",
        )
    assert "already has access" in current.value.message_dict["email"][0]
    assert not GuardianInvitation.objects.exists()


@pytest.mark.parametrize("subject", ["family_a", "family_b", "nurse_other"])
def test_only_staff_who_see_the_child_can_invite(client_for, cast, subject):
    client = client_for(getattr(cast, subject))
    assert client.get(f"/patients/{cast.child_a.pk}/guardians/invite/").status_code == 404
    assert client.post(f"/patients/{cast.child_a.pk}/guardians/invite/", INVITE).status_code == 404
    assert not GuardianInvitation.objects.exists()


def test_a_role_without_guardian_rights_cannot_invite(cast):
    from apps.accounts.models import StaffProfile
    from tests.factories import CareTeamMemberFactory, StaffFactory

    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST)
    CareTeamMemberFactory(patient=cast.child_a, user=therapist, role=StaffProfile.Role.THERAPIST)
    with pytest.raises(PermissionDenied) as exc:
        services.invitation_send(
            actor=therapist, patient=cast.child_a, email="x@example.org", full_name="X", relationship="mother"
        )
    assert isinstance(exc.value, PermissionDenied)


# Deactivation ends live sessions and feeds


def test_deactivating_the_last_link_ends_the_live_session(client_for, cast):
    family = client_for(cast.family_a)
    assert family.get(f"/portal/children/{cast.child_a.pk}/").status_code == 200

    services.guardian_deactivate(actor=cast.nurse_a, guardian=cast.guardian_a)

    response = family.get("/portal/account/", follow=True)
    assert response.redirect_chain[0] == ("/portal/login/", 302)
    assert "_auth_user_id" not in family.session
    assert "Your access to CareCoord has ended" in response.content.decode()
    assert family.get(f"/portal/children/{cast.child_a.pk}/")["Location"].startswith("/portal/login/")


def test_deactivating_one_of_two_links_ends_only_that_childs_access(client_for, cast):
    second = Guardian.objects.create(patient=cast.child_b, user=cast.family_a, relationship="father")
    family = client_for(cast.family_a)

    services.guardian_deactivate(actor=cast.nurse_a, guardian=cast.guardian_a)

    assert family.get(f"/portal/children/{cast.child_a.pk}/").status_code == 404
    assert family.get(f"/portal/children/{cast.child_b.pk}/").status_code == 200
    assert "_auth_user_id" in family.session
    assert second.is_active


def test_a_deactivated_guardians_calendar_feed_goes_empty(client, client_for, cast):
    book_in(cast.nurse_a, cast.child_a, 5)
    feed = scheduling.calendar_feed_for(owner=cast.family_a)
    path = f"/calendar/{feed.token}.ics"
    assert len(Calendar.from_ical(client.get(path).content).walk("VEVENT")) == 1

    services.guardian_deactivate(actor=cast.nurse_a, guardian=cast.guardian_a)

    response = client.get(path)
    assert response.status_code == 200
    assert Calendar.from_ical(response.content).walk("VEVENT") == []


def test_deactivating_a_guardian_withdraws_their_waiting_invitation(cast):
    services.guardian_deactivate(actor=cast.nurse_a, guardian=cast.guardian_a)
    services.invitation_send(
        actor=cast.nurse_a,
        patient=cast.child_a,
        email=cast.family_a.email,
        full_name="Anne",
        relationship="mother",
    )
    guardian = services.guardian_link(  # linked again by hand while the invitation waits
        actor=cast.nurse_a,
        patient=cast.child_a,
        email=cast.family_a.email,
        full_name="Anne",
        relationship="mother",
    )

    services.guardian_deactivate(actor=cast.nurse_a, guardian=guardian)

    assert GuardianInvitation.objects.get().revoked_at is not None
