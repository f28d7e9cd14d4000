"""The record's other resources: resection, treatment courses (never a dose), letters, symptom reports,
the caseload's flags, the UK Core Patient claim, and category search."""

import pytest

from apps.patients.nhs_number import normalise_nhs_number
from tests.factories import PatientFactory

from .fixtures import REGIMEN_TEXT, make_record


@pytest.fixture
def record_a(cast):  # type: ignore[no-untyped-def]
    return make_record(cast.child_a, cast.nurse_a, cast.family_a)


def test_procedure_is_the_resection_with_its_date_and_the_tumour_as_reason(cast, record_a, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/Procedure?patient={cast.child_a.pk}&date=ge2000-01-01")
    (entry,) = body["entry"]
    procedure = entry["resource"]
    tumour = cast.child_a.tumours.get()
    assert procedure["performedDateTime"] == tumour.resected_on.isoformat()
    assert procedure["reasonReference"] == [{"reference": f"Condition/{record_a.ids['Condition:nb']}"}]
    assert procedure["outcome"]["text"] == "Complete resection"


def test_medication_statement_has_agent_and_dates_only_never_a_dose(cast, record_a, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/MedicationStatement?patient={cast.child_a.pk}")
    assert [e["resource"]["id"] for e in body["entry"]] == [record_a.ids["MedicationStatement"]]  # no surgery
    statement = body["entry"][0]["resource"]
    assert statement["medicationCodeableConcept"]["text"] == "Dexamethasone pulses"
    assert statement["status"] == "active" and set(statement["effectivePeriod"]) == {"start", "end"}
    assert "dosage" not in statement and REGIMEN_TEXT not in str(statement)
    _, stopped = fhir_get(cast.nurse_a, f"/fhir/MedicationStatement?patient={cast.child_a.pk}&status=stopped")
    assert stopped["total"] == 0


def test_document_reference_points_at_the_audited_download_and_family_never_sees_withdrawn(
    cast, record_a, fhir_get
):
    _, staff = fhir_get(cast.nurse_a, f"/fhir/DocumentReference?patient={cast.child_a.pk}")
    by_id = {e["resource"]["id"]: e["resource"] for e in staff["entry"]}
    letter = by_id[record_a.ids["DocumentReference"]]
    attachment = letter["content"][0]["attachment"]
    assert attachment["url"] == f"/api/v1/documents/{letter['id']}/download/"
    assert attachment["contentType"] == "application/pdf" and letter["status"] == "current"
    assert by_id[record_a.ids["DocumentReference:withdrawn"]]["status"] == "superseded"
    _, current = fhir_get(cast.nurse_a, f"/fhir/DocumentReference?patient={cast.child_a.pk}&status=current")
    assert [e["resource"]["id"] for e in current["entry"]] == [letter["id"]]
    _, family = fhir_get(cast.family_a, "/fhir/DocumentReference")
    assert [e["resource"]["id"] for e in family["entry"]] == [letter["id"]]


def test_questionnaire_response_has_every_answer_of_the_symptom_report(cast, record_a, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/QuestionnaireResponse/{record_a.ids['QuestionnaireResponse']}")
    answers = {i["linkId"]: i["answer"][0] for i in body["item"]}
    assert answers["unsteady"]["valueCoding"]["code"] == "a_lot"
    assert answers["recent_illness"]["valueCoding"]["code"] == "yes"
    assert answers["free_text"]["valueString"] == "Wobbly again"
    assert len(answers) == 8 and body["status"] == "completed"
    response, _ = fhir_get(
        cast.family_a, f"/fhir/QuestionnaireResponse/{record_a.ids['QuestionnaireResponse']}"
    )
    assert response.status_code == 404  # the clinical record is for staff


def test_flags_are_the_caseloads_raised_flags_in_words_and_searchable_by_category(cast, record_a, fhir_get):
    _, body = fhir_get(cast.nurse_a, f"/fhir/Flag?patient={cast.child_a.pk}")
    flags = {e["resource"]["id"]: e["resource"] for e in body["entry"]}
    symptoms = flags[record_a.ids["Flag"]]
    assert symptoms["code"]["text"].startswith("Symptoms reported by the family")
    assert symptoms["category"][0]["coding"][0]["code"] == "clinical"
    assert body["total"] == len(flags)
    _, clinical = fhir_get(cast.nurse_a, f"/fhir/Flag?patient={cast.child_a.pk}&category=clinical")
    assert record_a.ids["Flag"] in {e["resource"]["id"] for e in clinical["entry"]}
    assert all(e["resource"]["category"][0]["coding"][0]["code"] == "clinical" for e in clinical["entry"])
    _, one = fhir_get(cast.nurse_a, f"/fhir/Flag?_id={record_a.ids['Flag']}")
    assert [e["resource"]["id"] for e in one["entry"]] == [record_a.ids["Flag"]]
    response, _ = fhir_get(cast.nurse_a, f"/fhir/Flag/{cast.child_a.pk}-no-such-flag")
    assert response.status_code == 404


def test_category_search_tells_referrals_from_investigations(cast, record_a, fhir_get):
    base = f"/fhir/ServiceRequest?patient={cast.child_a.pk}"
    _, referrals = fhir_get(cast.nurse_a, f"{base}&category=referral")
    assert [e["resource"]["id"] for e in referrals["entry"]] == [record_a.ids["ServiceRequest"]]
    _, investigations = fhir_get(cast.nurse_a, f"{base}&category=investigation")
    assert [e["resource"]["id"] for e in investigations["entry"]] == [record_a.ids["ServiceRequest:inv"]]
    _, family_threads = fhir_get(
        cast.nurse_a, f"/fhir/Communication?patient={cast.child_a.pk}&category=family"
    )
    assert [e["resource"]["id"] for e in family_threads["entry"]] == [record_a.ids["Communication"]]


def test_patient_claims_uk_core_and_meets_its_nhs_number_constraints(cast, fhir_get):
    without_nhs_number = PatientFactory(named_nurse=cast.nurse_a, nhs_number=None)
    for child in (cast.child_a, without_nhs_number):
        _, patient = fhir_get(cast.nurse_a, f"/fhir/Patient/{child.pk}")
        assert patient["meta"]["profile"] == ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]
        nhs = [i for i in patient["identifier"] if i["system"] == "https://fhir.nhs.uk/Id/nhs-number"]
        assert len(nhs) == (1 if child.nhs_number else 0)
        for identifier in nhs:
            assert normalise_nhs_number(identifier["value"]) == identifier["value"]  # 10 digits, Modulus 11
        assert all(i.get("value") for i in patient["identifier"])
