import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit import services
from apps.audit.models import AccessEvent, BreakGlassGrant

from ..factories import PatientFactory, StaffFactory


@pytest.fixture
def outsider(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT)


def test_it_opens_a_record_for_a_limited_time_with_a_reason(client, outsider, settings):
    settings.BREAK_GLASS_HOURS = 2  # shorter than the session, so expiry is the grant's
    settings.SESSION_IDLE_MINUTES = {"staff": 3 * 60, "family": 60}  # and than the idle timeout
    patient = PatientFactory(hospital_number="RCH42")
    client.force_login(outsider)
    assert client.get(f"/patients/{patient.pk}/").status_code == 404

    response = client.post(
        "/break-glass/",
        {"identifier": "rch42", "category": "emergency", "reason": "Seeing the child in A&E now"},
    )
    assert response["Location"] == f"/patients/{patient.pk}/"
    page = client.get(f"/patients/{patient.pk}/")
    assert page.status_code == 200 and page.context["via_break_glass"]
    assert AccessEvent.objects.get(user=outsider, patient=patient).via_break_glass

    with time_machine.travel(
        timezone.now() + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS, minutes=1)
    ):
        assert client.get(f"/patients/{patient.pk}/").status_code == 404


def test_it_finds_the_child_by_nhs_number_with_spaces(client, outsider):
    patient = PatientFactory(nhs_number="9434765919")
    client.force_login(outsider)
    response = client.post(
        "/break-glass/",
        {"identifier": "943 476 5919", "category": "out_of_hours", "reason": "Urgent phone advice call"},
    )
    assert response["Location"] == f"/patients/{patient.pk}/"


def test_a_short_reason_is_refused_and_grants_nothing(client, outsider):
    patient = PatientFactory(hospital_number="RCH43")
    client.force_login(outsider)
    response = client.post(
        "/break-glass/", {"identifier": "RCH43", "category": "emergency", "reason": "because"}
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not BreakGlassGrant.objects.exists()
    assert client.get(f"/patients/{patient.pk}/").status_code == 404


def test_an_unknown_number_says_so(client, outsider):
    client.force_login(outsider)
    response = client.post(
        "/break-glass/",
        {"identifier": "NOPE", "category": "emergency", "reason": "Emergency department review"},
    )
    assert response.status_code == 400
    assert "identifier" in response.context["form"].errors


def test_families_cannot_break_glass(client, db):
    from ..factories import FamilyFactory

    client.force_login(FamilyFactory())
    assert client.get("/break-glass/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.break_glass_open(
            actor=FamilyFactory(), patient=PatientFactory(), category="other", reason="I want to look please"
        )


def test_admin_reviews_grants_but_not_their_own(client, outsider):
    admin = StaffFactory(role=StaffProfile.Role.CLINIC_ADMIN)
    grant = services.break_glass_open(
        actor=outsider, patient=PatientFactory(), category="out_of_hours", reason="Covering on-call tonight"
    )
    own = services.break_glass_open(
        actor=admin, patient=PatientFactory(), category="other", reason="Checking a complaint file"
    )

    client.force_login(admin)
    listing = client.get("/break-glass/review/")
    assert {g.pk for g in listing.context["page"].object_list} == {grant.pk, own.pk}
    client.post(f"/break-glass/review/{grant.pk}/", {"note": "Appropriate"})
    grant.refresh_from_db()
    assert grant.reviewed_by == admin and grant.review_note == "Appropriate"
    with pytest.raises(PermissionDenied):
        services.break_glass_review(actor=admin, grant=own, note="")
    with pytest.raises(ValidationError):
        services.break_glass_review(actor=admin, grant=grant, note="twice")

    client.force_login(outsider)  # not an administrator: sees only their own grants
    response = client.get("/break-glass/review/")
    assert "page" not in response.context
    assert [g.pk for g in response.context["own_grants"]] == [grant.pk]
    assert client.post(f"/break-glass/review/{own.pk}/").status_code == 404


@pytest.mark.parametrize(
    "reason",
    [
        "aaaaaaaaaa",
        "a" * 30,
        "aaaa aaaa aaaa aaaa aaaa",
        "x y z x y z x y z x y z",
        "Emergency!!!!!!!!!!!!!!!!!",
        "covering",
    ],
    ids=["ten-a", "thirty-a", "one-word-repeated", "single-letters", "one-word-padded", "one-word"],
)
def test_a_reason_that_is_not_a_sentence_is_refused(client, outsider, reason):
    PatientFactory(hospital_number="RCH44")
    client.force_login(outsider)
    response = client.post(
        "/break-glass/", {"identifier": "RCH44", "category": "emergency", "reason": reason}
    )
    assert response.status_code == 400
    assert "at least 3 words" in response.context["form"].errors["reason"][0]
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_asks_for_a_category(client, outsider):
    PatientFactory(hospital_number="RCH45")
    client.force_login(outsider)
    form = client.get("/break-glass/").content.decode()
    for label in ("Emergency", "Out-of-hours cover", "Safeguarding", "Other"):
        assert label in form
    response = client.post("/break-glass/", {"identifier": "RCH45", "reason": "Seeing the child in A&E now"})
    assert response.status_code == 400 and "category" in response.context["form"].errors
    assert not BreakGlassGrant.objects.exists()
    client.post(
        "/break-glass/",
        {
            "identifier": "RCH45",
            "category": "safeguarding",
            "reason": "Safeguarding concern raised by school",
        },
    )
    grant = BreakGlassGrant.objects.get()
    assert (grant.category, grant.reason) == ("safeguarding", "Safeguarding concern raised by school")
