"""Scale benchmark: caseload page and patient list API with a large caseload.

Runs against a throwaway SQLite database (or DATABASE_URL if set), never the demo database.
Reports query counts and wall time per request. Usage: make bench  (BENCH_CHILDREN=300 by default)
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecoord.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["CARECOORD_VAR_DIR"] = tempfile.mkdtemp(prefix="carecoord-bench-")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import StaffProfile, User
from apps.patients.models import CareTeamMember, Patient


def measure(client: Client, url: str, runs: int = 5) -> tuple[int, float]:
    client.get(url)  # warm up
    start = time.perf_counter()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return len(queries), (time.perf_counter() - start) / runs * 1000


def main() -> None:
    children = int(os.environ.get("BENCH_CHILDREN", "300"))
    call_command("migrate", verbosity=0)
    nurse = User.objects.create_user(
        "bench-nurse@example.org", "bench-password", full_name="Bench Nurse", kind="staff"
    )
    StaffProfile.objects.create(user=nurse, role=StaffProfile.Role.NURSE_SPECIALIST)
    patients = Patient.objects.bulk_create(
        Patient(
            hospital_number=f"B{i:06d}",
            given_name="Child",
            family_name=f"Bench{i:05d}",
            date_of_birth="2022-01-01",
            named_nurse=nurse,
            status="active",
        )
        for i in range(children)
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            patient=p, user=nurse, role=StaffProfile.Role.NURSE_SPECIALIST, start_date="2024-01-01"
        )
        for p in patients
    )
    client = Client()
    client.force_login(nurse)
    print(f"children on the caseload: {children} ({connection.vendor})")
    for label, url in [
        ("caseload page", "/caseload/"),
        ("patient list API (page of 50)", "/api/v1/patients/"),
    ]:
        count, ms = measure(client, url)
        print(f"{label:<32} {count:>3} queries  {ms:8.1f} ms/request")


if __name__ == "__main__":
    main()
