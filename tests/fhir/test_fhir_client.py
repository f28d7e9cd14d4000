"""A real FHIR client (fhirpy) against the live test server: capability, read, search paged to the end."""

import pytest
from fhirpy import SyncFHIRClient

from apps.accounts.models import StaffProfile
from apps.accounts.tokens import api_token_create
from tests.factories import CareTeamMemberFactory, PatientFactory, StaffFactory

from .conftest import validate
from .fixtures import make_record


@pytest.fixture
def fhir_client(live_server, transactional_db):  # type: ignore[no-untyped-def]
    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
    _, token = api_token_create(actor=nurse, name="fhirpy")
    client = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Token {token}")
    return client, nurse


def test_fhirpy_reads_a_patient_by_nhs_number_and_pages_a_search_to_the_end(fhir_client):
    from tests.factories import FamilyFactory, GuardianFactory

    client, nurse = fhir_client
    children = [PatientFactory(named_nurse=nurse) for _ in range(3)]
    for child in children:
        CareTeamMemberFactory(patient=child, user=nurse)
        GuardianFactory(patient=child, user=FamilyFactory())
        make_record(child, nurse, child.guardians.first().user)
    PatientFactory()  # someone else's child: never found

    statement = client.execute("metadata", method="get")
    validate(statement)

    child = children[0]
    found = client.resources("Patient").search(
        identifier=f"https://fhir.nhs.uk/Id/nhs-number|{child.nhs_number}"
    )
    patient = found.first()
    assert patient is not None and patient.id == str(child.pk)
    validate(patient.serialize())
    read = client.reference("Patient", str(child.pk)).to_resource()
    assert read.serialize() == patient.serialize()

    observations = client.resources("Observation").limit(1).fetch_all()  # follows next links
    assert sorted(o["subject"]["reference"] for o in observations) == sorted(
        f"Patient/{c.pk}" for c in children
    )
    for observation in observations:
        validate(observation.serialize())

    patients = client.resources("Patient").limit(2).fetch_all()
    assert {p.id for p in patients} == {str(c.pk) for c in children}

    everything = client.execute(f"Patient/{child.pk}/$everything", method="get")
    validate(everything)
    assert everything["total"] == len(everything["entry"]) > 10


def test_fhirpy_searches_with_include(fhir_client):
    from tests.factories import FamilyFactory, GuardianFactory

    client, nurse = fhir_client
    child = PatientFactory(named_nurse=nurse)
    GuardianFactory(patient=child, user=FamilyFactory())
    make_record(child, nurse, child.guardians.first().user)

    bundle = client.resources("Observation").include("Observation", "subject").fetch_raw()
    validate(dict(bundle))
    modes = {(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]}
    assert modes == {("match", "Observation"), ("include", "Patient")}
    assert bundle["total"] == 1
