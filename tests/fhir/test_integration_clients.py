"""Integration sign-in: a real client-credentials token, SMART scopes, team binding, audit, revocation."""

import base64

import pytest

from apps.accounts.models import Team
from apps.audit.models import AccessEvent
from apps.fhir import services
from apps.fhir.models import IntegrationClient
from tests.factories import PatientFactory

from .conftest import FHIR_JSON, validate
from .fixtures import STAFF_ONLY_TEXT, make_record


def _token(client, client_id: str, secret: str, scope: str | None = None):  # type: ignore[no-untyped-def]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return client.post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.fixture
def engine(cast):  # type: ignore[no-untyped-def]
    """A client bound to nurse A's team, allowed to read Patient and Observation only."""
    team = Team.objects.get(members__user=cast.nurse_a)
    made, client_id, secret = services.integration_client_create(
        actor=cast.admin,
        name="EPR engine",
        teams=[team],
        scopes="system/Patient.read system/Observation.read",
    )
    return made, client_id, secret


@pytest.fixture
def bearer(client, engine):  # type: ignore[no-untyped-def]
    _, client_id, secret = engine
    response = _token(client, client_id, secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["scope"].split()) == {"system/Patient.read", "system/Observation.read"}
    return {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}


def _get(client, path: str, headers: dict):  # type: ignore[no-untyped-def]
    response = client.get(path, **headers)
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    validate(body)
    return response, body


def test_a_client_reads_its_teams_children_and_is_audited_as_itself(client, cast, engine, bearer):
    made, _, _ = engine
    response, body = _get(client, f"/fhir/Patient/{cast.child_a.pk}", bearer)
    assert response.status_code == 200 and body["id"] == str(cast.child_a.pk)
    event = AccessEvent.objects.get(patient=cast.child_a, user=made.service_user)
    assert (event.channel, event.basis, event.what) == ("fhir", "integration", "fhir:Patient")
    _, listed = _get(client, "/fhir/Patient", bearer)
    assert [e["resource"]["id"] for e in listed["entry"]] == [str(cast.child_a.pk)]


def test_a_client_is_refused_outside_its_teams_with_a_404(client, cast, bearer):
    response, body = _get(client, f"/fhir/Patient/{cast.child_b.pk}", bearer)
    assert response.status_code == 404 and body["resourceType"] == "OperationOutcome"
    response, body = _get(client, f"/fhir/Patient/{cast.child_b.pk}/$everything", bearer)
    assert response.status_code == 404
    assert not AccessEvent.objects.filter(patient=cast.child_b).exists()


def test_a_client_is_refused_outside_its_scopes_with_a_403(client, cast, bearer):
    for path in (f"/fhir/Condition?patient={cast.child_a.pk}", f"/fhir/CareTeam/{cast.child_a.pk}"):
        response, body = _get(client, path, bearer)
        assert response.status_code == 403, path
        assert body["issue"][0]["code"] == "forbidden" and "system/" in body["issue"][0]["diagnostics"]


def test_everything_for_a_client_holds_only_its_scopes_types_and_no_staff_only_threads(client, cast, engine):
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    made, client_id, secret = engine
    IntegrationClient.objects.filter(pk=made.pk).update(scopes="system/*.read")
    token = _token(client, client_id, secret).json()["access_token"]
    _, body = _get(
        client, f"/fhir/Patient/{cast.child_a.pk}/$everything", {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    )
    types = {e["resource"]["resourceType"] for e in body["entry"]}
    assert {"Observation", "Condition", "Communication", "Flag"} <= types
    assert STAFF_ONLY_TEXT not in str(body)

    restricted = _token(client, client_id, secret, scope="system/Patient.read").json()
    _, narrow = _get(
        client,
        f"/fhir/Patient/{cast.child_a.pk}/$everything",
        {"HTTP_AUTHORIZATION": f"Bearer {restricted['access_token']}"},
    )
    assert {e["resource"]["resourceType"] for e in narrow["entry"]} == {"Patient"}


def test_a_client_sees_a_child_through_an_open_confirmed_referral_to_its_team(client, cast, engine, bearer):
    from apps.referrals.models import Referral

    made, _, _ = engine
    referred = PatientFactory()
    Referral.objects.create(
        patient=referred,
        target_team=made.teams.get(),
        external_source="gp",
        reason="Assess",
        status="submitted",
        identity_status="confirmed",
    )
    response, _ = _get(client, f"/fhir/Patient/{referred.pk}", bearer)
    assert response.status_code == 200


def test_a_token_cannot_ask_for_scopes_beyond_its_client_or_a_wrong_secret(client, engine):
    _, client_id, secret = engine
    assert _token(client, client_id, secret, scope="system/ServiceRequest.write").status_code == 400
    assert _token(client, client_id, "not-the-secret").status_code == 401


def test_a_revoked_client_is_refused_at_once_and_cannot_get_a_new_token(client, cast, engine, bearer):
    made, client_id, secret = engine
    services.integration_client_revoke(actor=cast.admin, client=made)
    response = client.get(f"/fhir/Patient/{cast.child_a.pk}", **bearer)
    assert response.status_code in (401, 403) and response.json()["resourceType"] == "OperationOutcome"
    assert _token(client, client_id, secret).status_code in (400, 401)


def test_the_client_token_opens_nothing_outside_fhir(client, cast, bearer):
    response = client.get(f"/api/v1/patients/{cast.child_a.pk}/", **bearer)
    assert response.status_code in (401, 403)


def test_staff_keep_their_session_and_token(cast, fhir_get):
    response, _ = fhir_get(cast.nurse_a, f"/fhir/Patient/{cast.child_a.pk}")
    assert response.status_code == 200


def test_clients_are_created_and_revoked_in_the_admin(client, cast, django_user_model):
    superuser = django_user_model.objects.create_superuser(
        email="root@example.org", password="x" * 16, full_name="Root"
    )
    client.force_login(superuser)
    team = Team.objects.get(members__user=cast.nurse_a)
    response = client.post(
        "/admin/fhir/integrationclient/add/",
        {"name": "Lab feed", "teams": [team.pk], "scopes": "system/Patient.read"},
        follow=True,
    )
    assert response.status_code == 200
    made = IntegrationClient.objects.get(name="Lab feed")
    assert "Client secret:" in response.content.decode()
    bad = client.post(
        "/admin/fhir/integrationclient/add/", {"name": "X", "teams": [team.pk], "scopes": "system/Nope.read"}
    )
    assert bad.status_code == 200 and not IntegrationClient.objects.filter(name="X").exists()
    client.post(
        "/admin/fhir/integrationclient/",
        {"action": "revoke", "_selected_action": [made.pk]},
        follow=True,
    )
    made.refresh_from_db()
    assert made.revoked_at is not None and not made.service_user.is_active
