import pytest

from apps.patients.models import Patient

from ..factories import CareTeamMemberFactory, PatientFactory

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
    assert b'id="id_nhs_number_error"' in response.content  # matches the input's aria-describedby
    assert b'aria-describedby="id_nhs_number_helptext id_nhs_number_error"' in response.content
    assert not Patient.objects.exists()


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
