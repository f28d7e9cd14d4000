"""_include: the declared pairs bring in what the matches point at, scoped like a read, marked
"include", in a constant number of queries; anything else is refused with an OperationOutcome."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Team
from apps.audit.models import AccessEvent
from apps.fhir import services
from apps.fhir.includes import INCLUDES
from apps.pathways.models import SeverityScore
from tests.factories import CareTeamMemberFactory, FamilyFactory, GuardianFactory, PatientFactory

from .conftest import validate
from .fixtures import make_record
from .test_bulk_export import _bearer


def _modes(body: dict) -> dict[str, list[str]]:
    modes: dict[str, list[str]] = {}
    for entry in body.get("entry", []):
        resource = entry["resource"]
        modes.setdefault(entry["search"]["mode"], []).append(f"{resource['resourceType']}/{resource['id']}")
    return modes


def test_observation_include_subject_brings_the_child_once(cast, fhir_get):
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    first = SeverityScore.objects.get(patient=cast.child_a)
    SeverityScore.objects.create(  # a second score of the same child
        patient=cast.child_a, scale=first.scale, assessed_on=first.assessed_on, assessor=cast.nurse_a
    )
    response, body = fhir_get(
        cast.nurse_a, "/fhir/Observation?_include=Observation:subject&_include=Observation:performer"
    )
    assert response.status_code == 200
    modes = _modes(body)
    assert len(modes["match"]) == body["total"] == 2
    assert modes["include"] == [f"Patient/{cast.child_a.pk}", f"Practitioner/{cast.nurse_a.pk}"]
    assert AccessEvent.objects.filter(patient=cast.child_a, what="fhir:Observation").count() == 1


@pytest.mark.parametrize(
    ("path", "included"),
    [
        ("CareTeam?_include=CareTeam:participant", {"Practitioner"}),
        (
            "ServiceRequest?_include=ServiceRequest:subject&_include=ServiceRequest:requester",
            {"Patient", "Practitioner"},
        ),
        ("ServiceRequest?_include=ServiceRequest:performer", {"Organization"}),
        ("Task?_include=Task:owner", {"Practitioner"}),
        ("Appointment?_include=Appointment:actor", {"Patient", "Practitioner"}),
        ("MedicationStatement?_include=MedicationStatement:subject", {"Patient"}),
        ("DiagnosticReport?_include=DiagnosticReport:based-on", {"ServiceRequest"}),
        ("RelatedPerson?_include=RelatedPerson:patient", {"Patient"}),
    ],
)
def test_the_obvious_pairs_include_their_targets(cast, fhir_get, path, included):
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    response, body = fhir_get(cast.nurse_a, f"/fhir/{path}")
    assert response.status_code == 200 and _modes(body)["match"]
    assert {ref.split("/")[0] for ref in _modes(body).get("include", [])} == included


def test_included_resources_are_scoped_like_a_read(cast, fhir_get):
    """A family sees its child's appointments and the child, never the staff directory."""
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    _, body = fhir_get(cast.family_a, "/fhir/Appointment?_include=Appointment:actor")
    assert _modes(body)["include"] == [f"Patient/{cast.child_a.pk}"]
    _, body = fhir_get(cast.family_a, "/fhir/CareTeam?_include=CareTeam:participant")
    assert _modes(body)["match"] == [f"CareTeam/{cast.child_a.pk}"] and "include" not in _modes(body)


def test_a_client_gets_only_the_included_types_its_scopes_allow(client, cast):
    team = Team.objects.get(members__user=cast.nurse_a)
    made, _, secret = services.integration_client_create(
        actor=cast.admin, name="Scores only", teams=[team], scopes="system/Observation.read"
    )
    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    response = client.get("/fhir/Observation?_include=Observation:subject", **_bearer(client, made, secret))
    body = response.json()
    validate(body)
    assert response.status_code == 200 and _modes(body)["match"] and "include" not in _modes(body)


@pytest.mark.parametrize(
    "value", ["Observation:spaceship", "Patient:subject", "*", "Observation:subject,Observation:nope"]
)
def test_an_include_we_do_not_offer_is_refused(cast, fhir_get, value):
    response, body = fhir_get(cast.nurse_a, f"/fhir/Observation?_include={value}")
    assert response.status_code == 400 and body["resourceType"] == "OperationOutcome"
    assert "_include" in body["issue"][0]["diagnostics"]


def test_include_iterate_is_refused_as_an_unknown_parameter(cast, fhir_get):
    response, _ = fhir_get(cast.nurse_a, "/fhir/Observation?_include:iterate=Observation:subject")
    assert response.status_code == 400


def test_include_queries_do_not_grow_with_the_page(client, cast):
    client.force_login(cast.nurse_a)
    path = "/fhir/Observation?_include=Observation:subject&_include=Observation:performer"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    make_record(cast.child_a, cast.nurse_a, cast.family_a)
    one = queries()
    for _ in range(3):  # three more children, each with a score: more rows and more included Patients
        child = PatientFactory(named_nurse=cast.nurse_a)
        CareTeamMemberFactory(patient=child, user=cast.nurse_a)
        GuardianFactory(patient=child, user=FamilyFactory())
        make_record(child, cast.nurse_a, child.guardians.first().user)
    assert queries() == one


def test_the_capability_statement_declares_exactly_the_includes_offered(cast, fhir_get):
    _, body = fhir_get(cast.nurse_a, "/fhir/metadata")
    declared = {v for r in body["rest"][0]["resource"] for v in r.get("searchInclude", [])}
    assert declared == set(INCLUDES)
    for value in sorted(declared):
        response, _ = fhir_get(cast.nurse_a, f"/fhir/{value.split(':')[0]}?_include={value}")
        assert response.status_code == 200, value
