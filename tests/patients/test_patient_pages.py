import pytest

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.patients.models import Patient

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory


@pytest.fixture
def nurse(db):
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)


FORM = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "2024-01-02",
    "sex": "female",
    "hospital_number": "RCH777",
    "nhs_number": "485 777 3457",
    "status": "referred",
}


def test_it_registers_a_child_from_the_form(client, nurse):
    client.force_login(nurse)
    response = client.post("/patients/new/", FORM)
    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert patient.nhs_number == "4857773457"


def test_a_bad_nhs_number_shows_next_to_the_field_and_saves_nothing(client, nurse):
    client.force_login(nurse)
    response = client.post("/patients/new/", {**FORM, "nhs_number": "485 777 3456"})
    assert response.status_code == 400
    assert response.context["form"].errors["nhs_number"] == [
        "This is not a valid NHS number: the check digit does not match. Please check it."
    ]
    assert b'id="id_nhs_number-error"' in response.content
    assert not Patient.objects.exists()


def test_caseload_lists_own_and_care_team_children_only(client, nurse):
    mine = PatientFactory(named_nurse=nurse, family_name="Mine")
    on_team = CareTeamMemberFactory(user=nurse, patient__family_name="Teamed").patient
    PatientFactory(family_name="Stranger")
    client.force_login(nurse)
    response = client.get("/caseload/")
    assert {p.pk for p in response.context["patients"]} == {mine.pk, on_team.pk}
    assert b"STRANGER" not in response.content
    assert AccessEvent.objects.filter(user=nurse, what="caseload").count() == 2


def test_caseload_search_by_nhs_number_with_spaces(client, nurse):
    target = PatientFactory(named_nurse=nurse, nhs_number="9434765919")
    PatientFactory(named_nurse=nurse, nhs_number="4857773457")
    client.force_login(nurse)
    response = client.get("/caseload/", {"q": "943 476"})
    assert [p.pk for p in response.context["patients"]] == [target.pk]


def test_caseload_htmx_request_returns_only_the_rows(client, nurse):
    PatientFactory(named_nurse=nurse)
    client.force_login(nurse)
    response = client.get("/caseload/", HTTP_HX_REQUEST="true")
    assert b"<table" in response.content and b"<nav" not in response.content


@pytest.mark.parametrize("size", [5, 60])
def test_caseload_query_count_does_not_grow(client, nurse, django_assert_max_num_queries, size):
    for _ in range(size):
        PatientFactory(named_nurse=nurse)
    client.force_login(nurse)
    with django_assert_max_num_queries(8):
        response = client.get("/caseload/")
    assert len(response.context["patients"]) == size


@pytest.mark.parametrize("size", [1, 30])
def test_patient_page_query_count_does_not_grow_with_the_team(
    client, nurse, django_assert_max_num_queries, size
):
    patient = PatientFactory(named_nurse=nurse)
    for _ in range(size):
        CareTeamMemberFactory(patient=patient)
    client.force_login(nurse)
    with django_assert_max_num_queries(12):
        response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 200
