"""Recording a referral from outside is never a way into a child's record.

A nurse who cannot see a child records an external referral with the child's hospital number and
birth date: the answer is the same as for an unknown child, nothing on the child's record changes,
and the child stays a 404 until someone who looks after the child (or the records team) confirms it.
"""

import datetime

import pytest

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.pathways.models import SpecialtyTrack, TrackEvent
from apps.patients import access
from apps.patients.models import Patient
from apps.referrals import services
from apps.referrals.models import Referral
from apps.tasks.models import Task

from ..factories import PatientFactory, StaffFactory

Identity = Referral.Identity
EXTERNAL = "/api/v1/referrals/external/"


@pytest.fixture
def prober(db):
    """A nurse on Oncology who looks after none of the cast's children."""
    return StaffFactory(
        full_name="Pat Prober", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["oncology"]
    )


def body(child: Patient | None = None, **overrides: object) -> dict:
    from apps.accounts.models import Team

    data = {
        "external_source": "gp",
        "referrer_name": "Dr Grace Practitioner",
        "referrer_organisation": "High Street Surgery",
        "target_team": Team.objects.get(code="oncology").pk,
        "urgency": "urgent",
        "reason": "Dancing eyes for two weeks.",
        "given_name": child.given_name if child else "Zara",
        "family_name": child.family_name if child else "Newchild",
        "date_of_birth": (child.date_of_birth if child else datetime.date(2024, 5, 1)).isoformat(),
        "hospital_number": child.hospital_number if child else "H900001",
        "nhs_number": "",
    }
    data.update(overrides)
    return data


def record_of(child: Patient) -> tuple:
    """Everything on a child's record that intake could touch."""
    child.refresh_from_db()
    return (
        child.updated_at,
        child.history.count(),  # type: ignore[attr-defined]
        Task.objects.filter(patient=child).count(),
        list(SpecialtyTrack.objects.filter(patient=child).values_list("specialty", "stage")),
        TrackEvent.objects.filter(track__patient=child).count(),
    )


def child_urls(child: Patient) -> list[str]:
    return [
        f"/api/v1/patients/{child.pk}/",
        f"/api/v1/patients/{child.pk}/guardians/",
        f"/api/v1/patients/{child.pk}/threads/",
        f"/api/v1/patients/{child.pk}/pathway/",
    ]


def without_id(response) -> dict:  # type: ignore[no-untyped-def]
    data = dict(response.json())
    data.pop("id")
    return data


def test_a_nurse_who_cannot_see_a_child_learns_nothing_by_recording_a_referral_for_it(
    cast, prober, api_for, client
):
    child = cast.child_a
    before = record_of(child)
    api = api_for(prober)

    matched = api.post(EXTERNAL, body(child), format="json")
    mismatched = api.post(EXTERNAL, body(child, date_of_birth="2015-01-01"), format="json")
    unknown = api.post(EXTERNAL, body(), format="json")

    assert matched.status_code == mismatched.status_code == unknown.status_code == 201
    assert without_id(matched) == without_id(mismatched) == without_id(unknown)
    assert without_id(matched) == {"status": "received", "message": services.RECEIPT_MESSAGE}
    assert matched.content.replace(str(matched.json()["id"]).encode(), b"#") == unknown.content.replace(
        str(unknown.json()["id"]).encode(), b"#"
    )
    for url in child_urls(child):
        assert api.get(url).status_code == 404, url
    assert api.get(f"/api/v1/referrals/{matched.json()['id']}/").status_code == 404
    client.force_login(prober)
    for page in (f"/patients/{child.pk}/", f"/patients/{child.pk}/messages/", "/referrals/"):
        response = client.get(page)
        assert response.status_code == 404 or child.full_name not in response.content.decode(), page
    assert record_of(child) == before
    waiting = Referral.objects.get(pk=matched.json()["id"])
    assert (waiting.status, waiting.identity_status, waiting.patient) == ("draft", Identity.PENDING, child)
    assert Referral.objects.get(pk=mismatched.json()["id"]).identity_status == Identity.PENDING
    assert not access.visible_patients(prober).filter(pk=child.pk).exists()


def _team(code: str) -> int:
    from apps.accounts.models import Team

    from ..factories import TeamFactory

    return (
        TeamFactory(code=code).pk
        if not Team.objects.filter(code=code).exists()
        else Team.objects.get(code=code).pk
    )


def test_the_external_form_answers_the_same_for_a_known_and_an_unknown_child(cast, prober, client):
    client.force_login(prober)
    form = body(cast.child_a)
    form.pop("nhs_number")
    known = client.post("/referrals/external/", {**form, "sex": "unknown"}, follow=True)
    unknown = client.post("/referrals/external/", {**body(), "sex": "unknown"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/referrals/external/", 302)]
    said = [[str(m).rsplit("Reference:", 1)[0] for m in r.context["messages"]] for r in (known, unknown)]
    assert said[0] == said[1] == [f"{services.RECEIPT_MESSAGE} "]
    assert cast.child_a.full_name not in known.content.decode()


def test_the_care_team_confirms_and_only_then_the_team_sees_the_child(cast, prober, api_for):
    child = cast.child_a
    receipt = api_for(prober).post(EXTERNAL, body(child), format="json").json()
    assert api_for(prober).get(f"/api/v1/referrals/{receipt['id']}/confirm-identity/").status_code == 405

    queue = api_for(cast.nurse_a).get("/api/v1/referrals/identity-queue/")
    assert [r["id"] for r in queue.json()["results"]] == [receipt["id"]]
    assert queue.json()["results"][0]["matched_record"]["hospital_number"] == child.hospital_number
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="identity queue", basis="named_nurse").exists()
    # The prober cannot confirm their own way in: it is not in their queue.
    assert api_for(prober).post(f"/api/v1/referrals/{receipt['id']}/confirm-identity/").status_code == 404

    confirmed = api_for(cast.nurse_a).post(f"/api/v1/referrals/{receipt['id']}/confirm-identity/")
    assert confirmed.status_code == 200
    assert confirmed.json() == {"id": receipt["id"], "status": "submitted", "identity_status": "confirmed"}
    referral = Referral.objects.get(pk=receipt["id"])
    assert referral.identity_checked_by == cast.nurse_a
    assert Task.objects.filter(source_key=f"referral:{referral.pk}:triage").exists()
    assert api_for(prober).get(f"/api/v1/patients/{child.pk}/").status_code == 200
    assert AccessEvent.objects.filter(user=prober, patient=child).latest("at").basis == "open_referral"
    again = api_for(cast.nurse_a).post(f"/api/v1/referrals/{receipt['id']}/confirm-identity/")
    assert again.status_code == 404  # no longer waiting


def test_the_records_team_rejects_a_match_and_nothing_changes_for_the_child(cast, prober, api_for):
    child = cast.child_a
    receipt = api_for(prober).post(EXTERNAL, body(child, date_of_birth="2015-01-01"), format="json").json()
    before = record_of(child)
    queue = api_for(cast.admin).get("/api/v1/referrals/identity-queue/").json()["results"]
    assert queue[0]["differences"] == ["date of birth"]
    assert AccessEvent.objects.get(user=cast.admin, patient=child, what="identity queue").basis == "admin"

    empty = api_for(cast.admin).post(f"/api/v1/referrals/{receipt['id']}/reject-identity/", {"reason": ""})
    assert empty.status_code == 400
    rejected = api_for(cast.admin).post(
        f"/api/v1/referrals/{receipt['id']}/reject-identity/", {"reason": "Different child: birth date"}
    )
    assert rejected.json() == {"id": receipt["id"], "status": "cancelled", "identity_status": "rejected"}
    assert record_of(child) == before
    assert api_for(prober).get(f"/api/v1/patients/{child.pk}/").status_code == 404
    assert not api_for(prober).get("/api/v1/referrals/?status=cancelled").json()["results"]


def test_a_records_administrator_on_the_receiving_team_cannot_confirm_for_their_team(cast, api_for):
    admin_on_oncology = StaffFactory(role=StaffProfile.Role.CLINIC_ADMIN, role__teams=["oncology"])
    receipt = api_for(StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)).post(
        EXTERNAL, body(cast.child_a), format="json"
    )
    pk = receipt.json()["id"]
    assert not api_for(admin_on_oncology).get("/api/v1/referrals/identity-queue/").json()["results"]
    assert api_for(admin_on_oncology).post(f"/api/v1/referrals/{pk}/confirm-identity/").status_code == 404
    assert api_for(cast.admin).post(f"/api/v1/referrals/{pk}/confirm-identity/").status_code == 200


def test_the_identity_queue_page_confirms_and_rejects(cast, prober, client):
    first = services.referral_receive_external(actor=prober, **_service_body(cast.child_a))
    second = services.referral_receive_external(
        actor=prober, **_service_body(cast.child_a, target_team_code="neurology")
    )
    client.force_login(cast.nurse_a)
    page = client.get("/referrals/identity/")
    assert page.status_code == 200 and cast.child_a.hospital_number in page.content.decode()
    client.post(f"/referrals/identity/{first.pk}/confirm/")
    client.post(f"/referrals/identity/{second.pk}/reject/", {"reject-reason": "Another child"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("submitted", "cancelled")
    client.force_login(prober)
    assert not client.get("/referrals/identity/").context["rows"]
    assert client.post(f"/referrals/identity/{first.pk}/confirm/").status_code == 404


def _service_body(child: Patient, target_team_code: str = "oncology") -> dict:
    from apps.accounts.models import Team

    data = body(child)
    data["target_team"] = Team.objects.get(pk=_team(target_team_code))
    data["date_of_birth"] = child.date_of_birth
    return data


def test_a_referral_made_through_break_glass_alone_waits_for_the_care_team(cast):
    from ..factories import TeamFactory

    cast.nurse_glass.staff_profile.teams.add(TeamFactory(code="psychology"))
    psychology = cast.nurse_glass.staff_profile.teams.get()
    referral = services.referral_create(
        actor=cast.nurse_glass, patient=cast.child_a, target_team=psychology, reason="Needs support."
    )
    assert (referral.status, referral.identity_status) == ("draft", Identity.PENDING)
    assert not Task.objects.filter(patient=cast.child_a).exists()
    colleague = StaffFactory(role=StaffProfile.Role.PSYCHOLOGIST, role__teams=["psychology"])
    assert not access.visible_patients(colleague).filter(pk=cast.child_a.pk).exists()
    assert [r.pk for r in access_queue(cast.nurse_a)] == [referral.pk]


def access_queue(user):  # type: ignore[no-untyped-def]
    from apps.referrals import selectors

    return selectors.identity_queue(user=user)


def test_access_bases_are_worked_out_in_one_query(cast, django_assert_num_queries):
    others = [PatientFactory(named_nurse=cast.nurse_a) for _ in range(5)]
    with django_assert_num_queries(1):
        bases = access.access_bases(cast.nurse_a, [cast.child_a.pk, cast.child_b.pk, *(p.pk for p in others)])
    assert bases == {cast.child_a.pk: "named_nurse", **{p.pk: "named_nurse" for p in others}}
    assert access.access_bases(cast.nurse_glass, [cast.child_a.pk]) == {cast.child_a.pk: "break_glass"}
    assert access.access_bases(cast.family_a, [cast.child_a.pk, cast.child_b.pk]) == {
        cast.child_a.pk: "guardian"
    }
    cast.child_a.named_nurse = None
    cast.child_a.save(update_fields=["named_nurse"])
    assert access.access_bases(cast.nurse_a, [cast.child_a.pk]) == {cast.child_a.pk: "care_team"}


def test_every_access_event_records_its_basis(cast, client, api_for):
    client.force_login(cast.family_a)
    assert client.get(f"/portal/children/{cast.child_a.pk}/").status_code == 200
    for user in (cast.nurse_a, cast.nurse_glass):
        api_for(user).get(f"/api/v1/patients/{cast.child_a.pk}/")
    bases = {
        (e.user_id, e.basis, e.via_break_glass) for e in AccessEvent.objects.filter(patient=cast.child_a)
    }
    assert (cast.nurse_a.pk, "named_nurse", False) in bases
    assert (cast.nurse_glass.pk, "break_glass", True) in bases
    assert (cast.family_a.pk, "guardian", False) in bases
    assert not AccessEvent.objects.filter(basis="unknown").exists()


def test_the_break_glass_review_filters_reads_by_basis(cast, client, api_for):
    api_for(cast.nurse_glass).get(f"/api/v1/patients/{cast.child_a.pk}/")
    api_for(cast.nurse_a).get(f"/api/v1/patients/{cast.child_a.pk}/")
    client.force_login(cast.admin)
    glass = client.get("/break-glass/review/").context["reads_page"].object_list
    assert {e.user for e in glass} == {cast.nurse_glass}
    named = client.get("/break-glass/review/?basis=named_nurse").context["reads_page"].object_list
    assert {e.user for e in named} == {cast.nurse_a}
    client.force_login(cast.nurse_a)
    assert "reads_page" not in client.get("/break-glass/review/?basis=named_nurse").context
