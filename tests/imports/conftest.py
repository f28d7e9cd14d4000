"""Caseload import fixtures: a nursing team with its nurse, a consultant, the clinic administrator,
and a way to write a CSV file in the template's columns."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from apps.accounts.models import StaffProfile, Team, User
from apps.imports import columns
from tests.factories import StaffFactory

Role = StaffProfile.Role


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.get_or_create(code="nursing", defaults={"name": "Nursing"})[0]


@pytest.fixture
def nurse(team: Team) -> User:
    return StaffFactory(
        email="nina@example.org", full_name="Nina Nurse", role=Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def colleague(team: Team) -> User:
    return StaffFactory(
        email="nell@example.org", full_name="Nell Nurse", role=Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def consultant(db: Any) -> User:
    return StaffFactory(email="cara@example.org", full_name="Dr Cara Consultant", role=Role.CONSULTANT)


@pytest.fixture
def admin(db: Any) -> User:
    return StaffFactory(email="ada@example.org", full_name="Ada Admin", role=Role.CLINIC_ADMIN)


def child_row(**cells: str) -> dict[str, str]:
    row = {
        "hospital_number": "H900001",
        "nhs_number": "943 476 5919",
        "given_name": "Alice",
        "family_name": "Aardvark",
        "date_of_birth": "2021-04-02",
        "sex": "female",
        "status": "active",
        "named_nurse_email": "nina@example.org",
        "care_team_emails": "cara@example.org",
        "lead_clinician_email": "cara@example.org",
        "guardian_1_name": "Anne Aardvark",
        "guardian_1_email": "anne@example.org",
        "guardian_1_relationship": "mother",
        "guardian_1_parental_responsibility": "yes",
    }
    row.update(cells)
    return row


def write_csv(rows: list[dict[str, str]], *, slots: int = 2, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    fieldnames = header or columns.header(slots)
    writer = csv.DictWriter(out, fieldnames=fieldnames, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in fieldnames})
    return out.getvalue().encode("utf-8")


@pytest.fixture
def make_csv() -> Callable[..., bytes]:
    return write_csv
