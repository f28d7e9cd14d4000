"""HAZ-10: a guardian link has a legal basis (parental responsibility, an authorisation by someone with it,
or the young person's own account); losing it ends access at once; family access is reviewed at 11, 13
and 16, and from 16 it needs the young person's consent."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.pathways.services.proxy_reviews import proxy_access_review_daily, proxy_access_reviews_open
from apps.patients import access, services
from apps.patients.models import Guardian, GuardianInvitation
from apps.patients.services import guardianship
from apps.tasks.models import Task

LONDON = zoneinfo.ZoneInfo("Europe/London")
AUTHORISED = {
    "authorised_by_name": "Anne Family (mother)",
    "authorised_on": datetime.date(2025, 1, 6),
    "authorisation_reason": "Grandmother brings Alice to clinic",
}


def sees(user, child) -> bool:
    return access.visible_patients(user).filter(pk=child.pk).exists()


def on(day: datetime.date, hour: int = 7):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON), tick=False)


def test_a_guardian_without_parental_responsibility_or_an_authorisation_does_not_see_the_child(
    cast, client_for
):
    Guardian.objects.filter(pk=cast.guardian_a.pk).update(has_parental_responsibility=False)
    assert not sees(cast.family_a, cast.child_a)
    assert client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/").status_code == 404
    assert client_for(cast.family_a).get(f"/api/v1/patients/{cast.child_a.pk}/").status_code == 404


def test_access_authorised_by_someone_with_parental_responsibility_is_recorded_and_works(cast):
    grandparent = services.guardian_link(
        actor=cast.nurse_a,
        patient=cast.child_a,
        email="gran@example.org",
        full_name="Grace Gran",
        relationship="grandparent",
        has_parental_responsibility=False,
        **AUTHORISED,
    )
    assert sees(grandparent.user, cast.child_a)
    assert (grandparent.authorised_by_name, grandparent.authorised_on, grandparent.authorisation_reason) == (
        "Anne Family (mother)",
        datetime.date(2025, 1, 6),
        "Grandmother brings Alice to clinic",
    )
    assert grandparent.authorisation_recorded_by == cast.nurse_a
    assert grandparent.legal_basis == "Authorised by Anne Family (mother) on 06 Jan 2025"


@pytest.mark.parametrize("link", ["guardian_link", "invitation_send"])
def test_a_link_without_parental_responsibility_needs_who_when_and_why(cast, link):
    with pytest.raises(ValidationError) as refused:
        getattr(services, link)(
            actor=cast.nurse_a,
            patient=cast.child_a,
            email="gran@example.org",
            full_name="Grace Gran",
            relationship="grandparent",
            has_parental_responsibility=False,
        )
    assert set(refused.value.message_dict) == {"authorised_by_name", "authorised_on", "authorisation_reason"}
    assert not Guardian.objects.filter(user__email="gran@example.org").exists()
    assert not GuardianInvitation.objects.exists()


def test_losing_parental_responsibility_without_an_authorisation_ends_access_at_once_like_deactivation(
    cast, client_for
):
    family = client_for(cast.family_a)
    assert family.get(f"/portal/children/{cast.child_a.pk}/").status_code == 200

    guardian = guardianship.guardian_set_parental_responsibility(
        actor=cast.nurse_a, guardian=cast.guardian_a, has_parental_responsibility=False
    )

    assert not guardian.is_active and guardian.deactivated_at is not None
    assert guardian.ended_reason == guardianship.NO_BASIS
    assert not sees(cast.family_a, cast.child_a)
    response = family.get("/portal/account/", follow=True)
    assert response.redirect_chain[0] == ("/portal/login/", 302)
    assert "Your access to CareCoord has ended" in response.content.decode()
    assert guardian.history.first().history_user == cast.nurse_a


def test_losing_parental_responsibility_with_an_authorisation_keeps_access(cast):
    guardian = guardianship.guardian_set_parental_responsibility(
        actor=cast.nurse_a, guardian=cast.guardian_a, has_parental_responsibility=False, **AUTHORISED
    )
    assert guardian.is_active and not guardian.has_parental_responsibility
    assert sees(cast.family_a, cast.child_a)


def test_the_change_is_made_from_the_childs_page(cast, client_for):
    client = client_for(cast.nurse_a)
    page = client.get(f"/patients/{cast.child_a.pk}/")
    assert b"Legal basis: Parental responsibility" in page.content
    response = client.post(
        f"/patients/{cast.child_a.pk}/guardians/{cast.guardian_a.pk}/parental-responsibility/",
        {},
        follow=True,
    )
    assert b"Their portal access has ended." in response.content
    assert b"Parental responsibility ended and no one with it has authorised access." in response.content
    assert not Guardian.objects.get(pk=cast.guardian_a.pk).is_active


def test_only_staff_who_manage_guardians_change_parental_responsibility(cast, client_for):
    response = client_for(cast.nurse_other).post(
        f"/patients/{cast.child_a.pk}/guardians/{cast.guardian_a.pk}/parental-responsibility/", {}
    )
    assert response.status_code == 404
    assert Guardian.objects.get(pk=cast.guardian_a.pk).is_active


# --- Age-based review (11, 13, 16) and consent from 16 -------------------------------------------


@pytest.fixture
def young(cast):
    """Child A, born 10 May 2013: 11 on 10 May 2024, 13 on 10 May 2026, 16 on 10 May 2029."""
    cast.child_a.date_of_birth = datetime.date(2013, 5, 10)
    cast.child_a.save(update_fields=["date_of_birth"])
    return cast.child_a


def review_tasks() -> list[str]:
    return sorted(
        Task.objects.filter(source=Task.Source.PROXY_ACCESS_REVIEW).values_list("source_key", flat=True)
    )


def test_the_care_team_is_asked_to_review_family_access_once_for_each_review_age(cast, young):
    with on(datetime.date(2026, 4, 11)):  # 29 days before 13
        assert proxy_access_reviews_open() == 1  # the 11 review, never done
    assert review_tasks() == [f"proxy-review:{young.pk}:11"]
    with on(datetime.date(2026, 4, 12)):  # 28 days before 13
        assert proxy_access_reviews_open() == 1
        assert proxy_access_reviews_open() == 0
    with on(datetime.date(2026, 5, 20)):
        assert proxy_access_reviews_open() == 0
    task = Task.objects.get(source_key=f"proxy-review:{young.pk}:13")
    assert (task.assignee, task.patient, task.due_on) == (cast.nurse_a, young, datetime.date(2026, 5, 10))
    assert "turns 13 on 10 May 2026" in task.detail
    with on(datetime.date(2029, 4, 12)):
        assert proxy_access_reviews_open() == 1
    sixteen = Task.objects.get(source_key=f"proxy-review:{young.pk}:16")
    assert sixteen.priority == Task.Priority.HIGH and "recorded consent" in sixteen.detail


def test_a_child_with_no_family_link_or_too_young_gets_no_review(cast):
    with on(datetime.date(2026, 4, 12)):
        assert proxy_access_reviews_open() == 0  # both children are 3


def test_from_16_the_family_loses_access_without_the_young_persons_consent(cast, young, client_for):
    with on(datetime.date(2029, 5, 9)):
        assert sees(cast.family_a, young)
    with on(datetime.date(2029, 5, 10), hour=0):  # the birthday, before the job has run
        assert not sees(cast.family_a, young)
    with on(datetime.date(2029, 5, 10)):
        assert proxy_access_review_daily() == (1, 1)
        assert proxy_access_review_daily() == (0, 0)
    guardian = Guardian.objects.get(pk=cast.guardian_a.pk)
    assert not guardian.is_active and guardian.ended_reason == guardianship.NO_CONSENT

    with on(datetime.date(2029, 5, 12), hour=10):
        guardianship.guardian_record_young_person_consent(actor=cast.nurse_a, guardian=guardian)
        guardian.refresh_from_db()
        assert guardian.is_active and guardian.young_person_consent_on == datetime.date(2029, 5, 12)
        assert guardian.young_person_consent_recorded_by == cast.nurse_a
        assert sees(cast.family_a, young)


def test_consent_recorded_before_16_keeps_the_familys_access(cast, young):
    with on(datetime.date(2029, 4, 20), hour=10):
        guardianship.guardian_record_young_person_consent(actor=cast.nurse_a, guardian=cast.guardian_a)
    with on(datetime.date(2029, 5, 10)):
        assert proxy_access_review_daily() == (1, 0)
        assert sees(cast.family_a, young)


def test_consent_cannot_be_dated_in_the_future(cast, young):
    with pytest.raises(ValidationError):
        guardianship.guardian_record_young_person_consent(
            actor=cast.nurse_a, guardian=cast.guardian_a, consent_on=datetime.date(2999, 1, 1)
        )


# --- The young person's own account ----------------------------------------------------------------


def test_a_young_person_can_be_invited_to_their_own_account_and_keeps_it_after_16(cast, young, client):
    with on(datetime.date(2026, 6, 1), hour=10):
        services.invitation_send(
            actor=cast.nurse_a,
            patient=young,
            email="alice.herself@example.org",
            full_name="Alice Herself",
            relationship="self",
        )
        invitation = GuardianInvitation.objects.get()
        assert invitation.has_parental_responsibility is False
        token = "t" * 10
        GuardianInvitation.objects.filter(pk=invitation.pk).update(
            token_hash=services.invitation_token_hash(token)
        )
        user = services.invitation_accept(token=token, password="a-long-unusual-passphrase-42")
    link = Guardian.objects.get(user=user)
    assert (link.relationship, link.legal_basis) == ("self", "The young person's own account")
    with on(datetime.date(2029, 5, 11)):
        assert proxy_access_review_daily()[1] == 1  # the mother's access ends; Alice's own does not
        assert sees(user, young)
        assert not sees(cast.family_a, young)


def test_a_child_under_11_cannot_have_their_own_account(cast):
    with pytest.raises(ValidationError) as refused:
        services.invitation_send(
            actor=cast.nurse_a,
            patient=cast.child_a,
            email="alice.herself@example.org",
            full_name="Alice",
            relationship="self",
        )
    assert "from the age of 11" in refused.value.message_dict["relationship"][0]
