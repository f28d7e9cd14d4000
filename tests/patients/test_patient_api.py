import pytest

from apps.patients.models import Patient

from ..factories import PatientFactory

BODY = {
    "hospital_number": "RCH9",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "2024-01-02",
}


def test_it_creates_a_patient(api_for, nurse):
    response = api_for(nurse).post("/api/v1/patients/", {**BODY, "nhs_number": "943-476-5919"}, format="json")
    assert response.status_code == 201
    assert response.json()["nhs_number"] == "9434765919"
    assert response.json()["nhs_number_display"] == "943 476 5919"


@pytest.mark.parametrize("nhs", ["4857773456", "485777345", "48577734570", "48577A3457"])
def test_bad_nhs_number_is_a_400_in_the_one_error_shape_and_no_row(api_for, nurse, nhs):
    response = api_for(nurse).post("/api/v1/patients/", {**BODY, "nhs_number": nhs}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert list(error["fields"]) == ["nhs_number"]
    assert error["fields"]["nhs_number"][0].startswith(("This is not a valid NHS number", "An NHS number"))
    assert not Patient.objects.exists()


def test_missing_fields_use_the_same_shape(api_for, nurse):
    response = api_for(nurse).post("/api/v1/patients/", {"given_name": "Ada"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"hospital_number", "family_name", "date_of_birth"}


def test_not_found_uses_the_same_shape(api_for, nurse):
    response = api_for(nurse).get("/api/v1/patients/424242/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_token_auth_works(api, nurse):
    from apps.accounts.tokens import api_token_create

    patient = PatientFactory(named_nurse=nurse)
    _token, key = api_token_create(actor=nurse)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/patients/")
    assert [row["id"] for row in response.json()["results"]] == [patient.pk]


def test_list_filters_and_paginates(api_for, nurse):
    for i in range(55):
        PatientFactory(named_nurse=nurse, status="active" if i % 5 else "discharged")
    client = api_for(nurse)
    first = client.get("/api/v1/patients/").json()
    assert first["count"] == 55 and len(first["results"]) == 50 and first["next"]
    discharged = client.get("/api/v1/patients/", {"status": "discharged"}).json()
    assert discharged["count"] == 11


@pytest.mark.parametrize("size", [3, 40])
def test_list_query_count_is_flat(api_for, nurse, django_assert_max_num_queries, size):
    for _ in range(size):
        PatientFactory(named_nurse=nurse)
    client = api_for(nurse)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/patients/")
    assert response.json()["count"] == size


def test_schema_generates_without_warnings(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")
