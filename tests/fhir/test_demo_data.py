"""The whole demo data set through FHIR, every resource and every Bundle validated with fhir.resources."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.audit.models import BreakGlassGrant
from apps.fhir.sources import SOURCES
from apps.patients.models import Patient
from tests.factories import StaffFactory


@pytest.fixture
def demo_reader(db):  # type: ignore[no-untyped-def]
    """A nurse on every team with a live break-glass grant for every demo child: sees the whole demo."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    reader = StaffFactory(full_name="Reader", role=StaffProfile.Role.NURSE_SPECIALIST)
    reader.staff_profile.teams.set(Team.objects.all())
    now = timezone.now()
    BreakGlassGrant.objects.bulk_create(
        BreakGlassGrant(
            user=reader,
            patient=patient,
            reason="Validating the FHIR mapping",
            created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS),
        )
        for patient in Patient.objects.all()
    )
    return reader


def _walk(fhir_get, user, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    resources = []
    while url:
        response, body = fhir_get(user, url)  # validates the Bundle and each entry
        assert response.status_code == 200, body
        resources += [e["resource"] for e in body.get("entry", [])]
        following = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = following[0].removeprefix("http://testserver") if following else ""
    return resources


def test_every_demo_resource_and_bundle_validates(demo_reader, fhir_get):
    searched: dict[str, list[dict]] = {}
    for resource_type in SOURCES:
        searched[resource_type] = _walk(fhir_get, demo_reader, f"/fhir/{resource_type}?_count=100")
        assert searched[resource_type], f"the demo data has no {resource_type}"
        for resource in searched[resource_type][:3]:
            _, read = fhir_get(demo_reader, f"/fhir/{resource_type}/{resource['id']}")
            assert read == resource
    assert len(searched["Patient"]) == Patient.objects.count()

    everything: set[tuple[str, str]] = set()
    for patient in Patient.objects.all():
        _, bundle = fhir_get(demo_reader, f"/fhir/Patient/{patient.pk}/$everything")
        everything |= {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]}
    about_children = {
        (t, r["id"])
        for t, rows in searched.items()
        for r in rows
        if any(s.patient_path for s in SOURCES[t]) and not (t == "Task" and "for" not in r)
    }
    assert everything == about_children


def test_the_demo_family_everything_validates_and_holds_no_staff_only_content(demo_reader, fhir_get):
    family = User.objects.get(email="family@carecoord.example")
    child = Patient.objects.get(guardians__user=family, guardians__is_active=True)
    _, bundle = fhir_get(family, f"/fhir/Patient/{child.pk}/$everything")
    categories = {
        c["code"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Communication"
        for c in e["resource"]["category"][0]["coding"]
    }
    assert categories <= {"family"}
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} <= {
        "Patient",
        "RelatedPerson",
        "CareTeam",
        "Appointment",
        "Communication",
        "DocumentReference",
    }
