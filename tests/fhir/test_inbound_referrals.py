"""Inbound referrals as ServiceRequest POST: the form's intake, its matching rules, revealing nothing,
idempotent on the identifier, and bad input refused whole with every problem listed."""

import copy
import json

import pytest

from apps.accounts.models import Team
from apps.fhir import services
from apps.fhir.models import InboundReferral
from apps.patients.models import Patient
from apps.referrals.models import Referral
from apps.referrals.services.intake import RECEIPT_MESSAGE

from .conftest import FHIR_JSON, validate
from .test_integration_clients import _token

NHS = "https://fhir.nhs.uk/Id/nhs-number"
HOSPITAL = "https://carecoord.example.org/fhir/Id/hospital-number"


@pytest.fixture
def team(cast):  # type: ignore[no-untyped-def]
    return Team.objects.get(members__user=cast.nurse_a)


def _bearer(client, team, scopes: str):  # type: ignore[no-untyped-def]
    admin_user = team.members.first().user  # the actor who made the client is only recorded
    _, client_id, secret = services.integration_client_create(
        actor=admin_user, name=f"EPR {scopes}", teams=[team], scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {_token(client, client_id, secret).json()['access_token']}"}


@pytest.fixture
def writer(client, team):  # type: ignore[no-untyped-def]
    return _bearer(client, team, "system/ServiceRequest.write system/Patient.read")


def _request(team, *, nhs: str = "9434765919", hospital: str = "H-NEW-1", identifier: str = "EPR-1") -> dict:
    return {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:1.2.3.epr", "value": identifier}],
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "category": [{"coding": [{"system": "urn:x", "code": "gp"}]}],
        "contained": [
            {
                "resourceType": "Patient",
                "id": "child",
                "identifier": [{"system": NHS, "value": nhs}, {"system": HOSPITAL, "value": hospital}],
                "name": [{"family": "Newchild", "given": ["Nora"]}],
                "gender": "female",
                "birthDate": "2024-03-01",
            }
        ],
        "subject": {"reference": "#child"},
        "performer": [{"reference": f"Organization/{team.pk}"}],
        "requester": {"display": "Dr Gee"},
        "reasonCode": [{"text": "Unsteady, eyes darting"}],
    }


def _post(client, body, headers):  # type: ignore[no-untyped-def]
    response = client.post("/fhir/ServiceRequest", json.dumps(body), content_type=FHIR_JSON, **headers)
    assert response["Content-Type"].startswith(FHIR_JSON)
    validate(response.json())
    return response


def test_a_new_child_is_registered_and_referred_once_however_often_it_is_sent(client, team, writer):
    validate(_request(team))
    first = _post(client, _request(team), writer)
    assert first.status_code == 202 and first.json()["issue"][0]["diagnostics"] == RECEIPT_MESSAGE
    child = Patient.objects.get(nhs_number="9434765919")
    referral = Referral.objects.get(patient=child)
    assert (referral.target_team, referral.urgency, referral.status) == (team, "urgent", "submitted")
    assert referral.external_source == "gp" and referral.referrer_name == "Dr Gee"
    again = _post(client, _request(team), writer)
    assert again.status_code == 200
    assert Referral.objects.filter(patient=child).count() == 1
    assert InboundReferral.objects.get().referral == referral


def test_a_known_child_waits_silently_and_the_answer_reveals_nothing(client, cast, team, writer):
    known = cast.child_b  # nobody on the client's team looks after this child
    body = _request(team, nhs=known.nhs_number, hospital=known.hospital_number, identifier="EPR-2")
    response = _post(client, body, writer)
    assert response.status_code == 202 and response.json()["issue"][0]["diagnostics"] == RECEIPT_MESSAGE
    assert (
        str(known.pk) not in response.content.decode() and known.given_name not in response.content.decode()
    )
    referral = Referral.objects.get(patient=known, target_team=team)
    assert (referral.status, referral.identity_status) == ("draft", "pending")
    known.refresh_from_db()
    assert known.family_name != "Newchild"  # the child's record is untouched
    read = client.get(f"/fhir/Patient/{known.pk}", **writer)
    assert read.status_code == 404  # a pending referral gives no one access


def test_bad_input_lists_every_problem_and_writes_nothing(client, team, writer):
    body = copy.deepcopy(_request(team))
    del body["identifier"]
    body["contained"][0]["birthDate"] = "yesterday"
    body["contained"][0]["identifier"][0]["value"] = "4857773456"  # fails the check digit
    body["performer"] = [{"reference": "Organization/999999"}]
    body["reasonCode"] = []
    patients, referrals = Patient.objects.count(), Referral.objects.count()
    response = _post(client, body, writer)
    assert response.status_code == 400
    expressions = {e for issue in response.json()["issue"] for e in issue.get("expression", [])}
    assert {
        "ServiceRequest.identifier",
        "Patient.birthDate",
        "Patient.identifier",
        "ServiceRequest.performer",
        "ServiceRequest.reasonCode",
    } <= expressions
    assert (Patient.objects.count(), Referral.objects.count(), InboundReferral.objects.count()) == (
        patients,
        referrals,
        0,
    )


@pytest.mark.parametrize("body", ["not json", "[]", '{"resourceType": "Patient"}'])
def test_malformed_bodies_get_an_outcome_not_a_500(client, writer, body):
    response = client.post("/fhir/ServiceRequest", body, content_type=FHIR_JSON, **writer)
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


def test_posting_needs_the_write_scope_and_a_client(client, cast, team, fhir_get):
    reader_only = _bearer(client, team, "system/*.read")
    assert _post(client, _request(team), reader_only).status_code == 403
    client.force_login(cast.nurse_a)
    assert _post(client, _request(team), {}).status_code == 403
    assert not Referral.objects.exists()
    client.logout()


def test_other_types_cannot_be_posted(client, writer):
    response = client.post("/fhir/Patient", "{}", content_type=FHIR_JSON, **writer)
    assert response.status_code == 405 and response.json()["resourceType"] == "OperationOutcome"


def test_the_capability_statement_declares_the_create(client):
    statement = client.get("/fhir/metadata").json()
    service_request = next(r for r in statement["rest"][0]["resource"] if r["type"] == "ServiceRequest")
    assert {"read", "search-type", "create"} == {i["code"] for i in service_request["interaction"]}
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert "create" not in {i["code"] for i in patient["interaction"]}


def test_a_family_cannot_post_a_referral(client, cast, team):
    client.force_login(cast.family_a)
    assert _post(client, _request(team), {}).status_code == 403
    assert not Referral.objects.exists()
