"""FHIR read and search: scoping per resource type, audit, the mapped content, search and paging."""

import pytest

from apps.audit.models import AccessEvent
from tests.factories import GuardianFactory, PatientFactory, StaffFactory

from .conftest import validate
from .fixtures import STAFF_ONLY_TEXT, make_record

FAMILY_READABLE = {
    "Patient",
    "RelatedPerson",
    "CareTeam",
    "Appointment",
    "Communication",
    "DocumentReference",
}
FAMILY_HIDDEN = {"Communication:staff", "DocumentReference:withdrawn"}
NOT_FOR_GLASS = {"Task"}  # a task shows only on its assignee's or team's worklist


@pytest.fixture
def records(cast):  # type: ignore[no-untyped-def]
    other_staff = StaffFactory(full_name="Bea Staff")
    return make_record(cast.child_a, cast.nurse_a, cast.family_a), make_record(
        cast.child_b, other_staff, cast.family_b
    )


def _allowed(subject: str, key: str) -> bool:
    resource_type = key.split(":")[0]
    if subject == "nurse_a":
        return True
    if subject == "nurse_glass":
        return resource_type not in NOT_FOR_GLASS
    if subject == "family_a":
        return resource_type in FAMILY_READABLE and key not in FAMILY_HIDDEN
    return False


KEYS = [
    "Patient",
    "RelatedPerson",
    "CareTeam",
    "EpisodeOfCare",
    "Condition",
    "Condition:nb",
    "Observation",
    "ServiceRequest",
    "ServiceRequest:inv",
    "DiagnosticReport",
    "Appointment",
    "Task",
    "Communication",
    "Communication:staff",
    "Procedure",
    "MedicationStatement",
    "DocumentReference",
    "DocumentReference:withdrawn",
    "QuestionnaireResponse",
    "Flag",
]


@pytest.mark.parametrize("subject", ["family_a", "family_b", "nurse_a", "nurse_other", "nurse_glass"])
@pytest.mark.parametrize("key", KEYS)
def test_each_resource_is_read_only_by_those_who_may_see_the_child_and_audited(
    cast, records, fhir_get, subject, key
):
    record_a, _ = records
    user = getattr(cast, subject)
    resource_type = key.split(":")[0]
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()

    response, body = fhir_get(user, f"/fhir/{resource_type}/{record_a.ids[key]}")

    after = AccessEvent.objects.filter(user=user, patient=cast.child_a)
    if _allowed(subject, key):
        assert response.status_code == 200, body
        assert body["resourceType"] == resource_type and body["id"] == record_a.ids[key]
        assert after.count() == before + 1
        event = after.order_by("-at", "-pk").first()
        assert (event.channel, event.what) == ("fhir", f"fhir:{resource_type}")
        assert event.via_break_glass == (subject == "nurse_glass")
    else:
        assert response.status_code == 404
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-found"
        assert after.count() == before


@pytest.mark.parametrize("resource_type", sorted({k.split(":")[0] for k in KEYS}))
def test_family_search_finds_only_their_own_childs_rows(cast, records, fhir_get, resource_type):
    record_a, record_b = records
    _, body = fhir_get(cast.family_a, f"/fhir/{resource_type}?_count=100")
    found = {e["resource"]["id"] for e in body.get("entry", [])}
    mine = {
        v for k, v in record_a.ids.items() if k.split(":")[0] == resource_type and _allowed("family_a", k)
    }
    theirs = {v for k, v in record_b.ids.items() if k.split(":")[0] == resource_type}
    assert mine <= found
    assert not found & theirs
    assert body["total"] == len(found)


def test_staff_only_messages_never_reach_a_family_by_search_or_everything(cast, records, fhir_get):
    record_a, _ = records
    _, searched = fhir_get(cast.family_a, f"/fhir/Communication?patient={cast.child_a.pk}")
    _, everything = fhir_get(cast.family_a, f"/fhir/Patient/{cast.child_a.pk}/$everything")
    for response_body in (searched, everything):
        text = str(response_body)
        assert STAFF_ONLY_TEXT not in text and "STAFF-ONLY-NOTE" not in text
    assert [e["resource"]["id"] for e in searched["entry"]] == [record_a.ids["Communication"]]
    _, staff_view = fhir_get(cast.nurse_a, f"/fhir/Communication?patient={cast.child_a.pk}")
    assert STAFF_ONLY_TEXT in str(staff_view)


def test_family_everything_holds_only_what_the_portal_shows(cast, records, fhir_get):
    _, body = fhir_get(cast.family_a, f"/fhir/Patient/{cast.child_a.pk}/$everything")
    types = {e["resource"]["resourceType"] for e in body["entry"]}
    assert types == FAMILY_READABLE
    subjects = {
        e["resource"].get("subject", e["resource"].get("patient", {})).get("reference") for e in body["entry"]
    } - {None}
    assert subjects == {f"Patient/{cast.child_a.pk}"}


def test_everything_for_staff_covers_every_patient_resource_and_is_audited_once(cast, records, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/Patient/{cast.child_a.pk}/$everything")
    types = {e["resource"]["resourceType"] for e in body["entry"]}
    assert types == {k.split(":")[0] for k in KEYS}
    assert body["total"] == len(body["entry"])
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="fhir:Patient/$everything").count() == 1


def test_everything_for_another_child_is_404(cast, records, fhir_get):
    response, body = fhir_get(cast.nurse_other, f"/fhir/Patient/{cast.child_a.pk}/$everything")
    assert response.status_code == 404 and body["resourceType"] == "OperationOutcome"


def test_patient_carries_nhs_and_hospital_numbers_and_is_found_by_either(cast, fhir_get):
    child = cast.child_a
    _, patient = fhir_get(cast.nurse_a, f"/fhir/Patient/{child.pk}")
    systems = {i["system"]: i["value"] for i in patient["identifier"]}
    assert systems["https://fhir.nhs.uk/Id/nhs-number"] == child.nhs_number
    hospital_system = next(s for s in systems if s.endswith("/Id/hospital-number"))
    assert systems[hospital_system] == child.hospital_number

    for query in (
        f"https://fhir.nhs.uk/Id/nhs-number|{child.nhs_number}",
        f"{hospital_system}|{child.hospital_number}",
    ):
        _, body = fhir_get(cast.nurse_a, f"/fhir/Patient?identifier={query}")
        assert [e["resource"]["id"] for e in body["entry"]] == [str(child.pk)]
    # Someone who may not see the child learns nothing from the identifier.
    _, body = fhir_get(
        cast.nurse_other, f"/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{child.nhs_number}"
    )
    assert body["total"] == 0 and "entry" not in body


def test_related_person_has_relationship_and_parental_responsibility(cast, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/RelatedPerson/{cast.guardian_a.pk}")
    assert body["patient"]["reference"] == f"Patient/{cast.child_a.pk}"
    assert body["relationship"][0]["coding"][0]["code"]
    extension = body["extension"][0]
    assert extension["url"].endswith("parental-responsibility")
    assert extension["valueBoolean"] == cast.guardian_a.has_parental_responsibility


def test_observation_has_a_component_per_item_and_marks_the_unassessed_one_absent(cast, records, fhir_get):
    record_a, _ = records
    _, body = fhir_get(cast.nurse_a, f"/fhir/Observation?patient=Patient/{cast.child_a.pk}")
    (entry,) = body["entry"]
    observation = entry["resource"]
    assert observation["id"] == record_a.ids["Observation"]
    assert observation["code"]["coding"][0]["code"].endswith("-v2")  # the exact scale version
    components = {c["code"]["coding"][0]["code"]: c for c in observation["component"]}
    assert components["gait"]["valueInteger"] == 2 and components["eyes"]["valueInteger"] == 1
    assert "valueInteger" not in components["speech"]
    assert components["speech"]["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert observation["valueInteger"] == 3


def test_conditions_carry_oms_criteria_as_evidence_and_the_inrg_stage(cast, records, fhir_get):
    record_a, _ = records
    _, oms = fhir_get(cast.nurse_a, f"/fhir/Condition/{record_a.ids['Condition']}")
    evidence = {e["code"][0]["coding"][0]["code"] for e in oms["evidence"]}
    assert evidence == {"opsoclonus", "ataxia_myoclonus"}  # only criteria found present
    assert oms["verificationStatus"]["coding"][0]["code"] == "confirmed"
    _, nb = fhir_get(cast.nurse_a, f"/fhir/Condition/{record_a.ids['Condition:nb']}")
    assert nb["stage"][0]["summary"]["coding"][0]["code"] == "L1"


def test_episode_of_care_status_history_follows_the_track_events(cast, records, fhir_get):
    record_a, _ = records
    _, body = fhir_get(cast.nurse_a, f"/fhir/EpisodeOfCare/{record_a.ids['EpisodeOfCare']}")
    assert body["status"] == "active"
    assert [h["status"] for h in body["statusHistory"]] == ["waitlist", "active"]
    assert all(h["period"]["start"] < h["period"]["end"] for h in body["statusHistory"])


def test_appointment_search_by_patient_and_date(cast, records, fhir_get):
    record_a, _ = records
    base = f"/fhir/Appointment?patient={cast.child_a.pk}"
    _, future = fhir_get(cast.nurse_a, f"{base}&date=ge2000-01-01")
    assert [e["resource"]["id"] for e in future["entry"]] == [record_a.ids["Appointment"]]
    _, past = fhir_get(cast.nurse_a, f"{base}&date=lt2000-01-01")
    assert past["total"] == 0
    response, body = fhir_get(cast.nurse_a, f"{base}&date=soon")
    assert response.status_code == 400 and body["resourceType"] == "OperationOutcome"


def test_service_request_search_by_status_covers_referrals_and_investigations(cast, records, fhir_get):
    record_a, _ = records
    base = f"/fhir/ServiceRequest?patient={cast.child_a.pk}"
    _, active = fhir_get(cast.nurse_a, f"{base}&status=active")
    assert [e["resource"]["id"] for e in active["entry"]] == [record_a.ids["ServiceRequest"]]
    _, completed = fhir_get(cast.nurse_a, f"{base}&status=completed")
    assert [e["resource"]["id"] for e in completed["entry"]] == [record_a.ids["ServiceRequest:inv"]]
    _, both = fhir_get(cast.nurse_a, f"{base}&status=active,completed")
    assert both["total"] == 2


def test_search_pages_with_count_and_next_links_to_the_end(cast, records, fhir_get):
    seen, url, pages = [], "/fhir/ServiceRequest?_count=1", 0
    while url:
        _, body = fhir_get(cast.nurse_a, url)
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        following = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = following[0].removeprefix("http://testserver") if following else None
        pages += 1
    assert pages == 2 and len(seen) == len(set(seen)) == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/fhir/Patient?name=Alice", 400),
        ("/fhir/Patient?_count=lots", 400),
        ("/fhir/Observation?patient=Alice", 400),
        ("/fhir/Patient?identifier=urn:unknown|1", 400),
        ("/fhir/Medication", 404),
        ("/fhir/Patient/abc", 404),
        ("/fhir/Condition/oms-999999", 404),
        ("/fhir/Patient?_format=xml", 406),
    ],
)
def test_bad_requests_get_an_operation_outcome_never_a_500(cast, fhir_get, path, status):
    response, body = fhir_get(cast.nurse_a, path)
    assert response.status_code == status
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["diagnostics"]


def test_format_json_and_an_xml_accept_header(cast, fhir_get):
    for wanted in ("json", "application/fhir%2Bjson", "application/fhir+json", "application/json"):
        response, _ = fhir_get(cast.nurse_a, f"/fhir/Patient/{cast.child_a.pk}?_format={wanted}")
        assert response.status_code == 200, wanted
    response, _ = fhir_get(
        cast.nurse_a, f"/fhir/Patient/{cast.child_a.pk}", HTTP_ACCEPT="application/fhir+xml"
    )
    assert response.status_code == 406


def test_anonymous_gets_an_outcome_but_may_read_the_capability_statement(client, cast):
    response = client.get(f"/fhir/Patient/{cast.child_a.pk}")
    assert response.status_code in (401, 403)
    assert response.json()["resourceType"] == "OperationOutcome"
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    statement = response.json()
    validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Observation", "Appointment", "ServiceRequest", "Communication"} <= set(resources)
    assert {p["name"] for p in resources["Patient"]["searchParam"]} >= {"identifier", "_id"}
    assert {p["name"] for p in resources["Appointment"]["searchParam"]} >= {"patient", "date", "status"}


@pytest.mark.parametrize("resource_type", sorted({k.split(":")[0] for k in KEYS}))
def test_search_query_count_does_not_grow_with_rows(cast, fhir_get, resource_type):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response, _ = fhir_get(cast.nurse_a, f"/fhir/{resource_type}?_count=100")
        assert response.status_code == 200
        return len(captured)

    def another_child() -> None:
        child = PatientFactory(named_nurse=cast.nurse_a)
        GuardianFactory(patient=child, user=cast.family_a)
        make_record(child, cast.nurse_a, cast.family_a)

    another_child()
    one = queries()
    for _ in range(3):
        another_child()
    assert queries() <= one


def test_a_session_without_its_second_step_gets_a_403_not_a_login_page(cast, client, settings):
    settings.STAFF_2FA_REQUIRED = True
    client.force_login(cast.nurse_a)
    response = client.get(f"/fhir/Patient/{cast.child_a.pk}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_step_required"
