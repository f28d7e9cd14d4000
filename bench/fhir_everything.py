"""FHIR $everything benchmark: one child with a long record, growing; queries and p50/p95 per size.

Runs against a throwaway SQLite database (or DATABASE_URL if set, which it fills), never the demo
database. Not part of ``make test``. Usage:

    .venv/bin/python bench/fhir_everything.py          (BENCH_FHIR_SIZES=25,100,400, BENCH_FHIR_RUNS=20)

Each size adds that many rows of every kind (scores, appointments, messages, tasks, courses, results,
symptom reports, letters) to the same child, then times GET /fhir/Patient/<id>/$everything as the
child's nurse. The query count must not grow with the rows.
"""

import datetime
import os
import statistics
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
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.documents.models import FamilyDocument
from apps.messaging.models import Message, Thread
from apps.pathways.models import (
    Investigation,
    ScaleItem,
    SeverityScale,
    SeverityScore,
    SeverityScoreValue,
    SymptomReport,
    TreatmentCourse,
)
from apps.patients.models import CareTeamMember, Guardian, Patient
from apps.scheduling.models import Appointment
from apps.tasks.models import Task


def _people() -> tuple[User, User, Patient]:
    nurse = User.objects.create(email="bench-nurse@example.org", full_name="Bench Nurse", kind="staff")
    StaffProfile.objects.create(user=nurse, role=StaffProfile.Role.NURSE_SPECIALIST)
    family = User.objects.create(email="bench-family@example.org", full_name="Bench Parent", kind="family")
    child = Patient.objects.create(
        hospital_number="BENCH1",
        given_name="Long",
        family_name="Record",
        date_of_birth=datetime.date(2022, 1, 1),
        named_nurse=nurse,
    )
    Guardian.objects.create(
        patient=child, user=family, relationship="mother", has_parental_responsibility=True
    )
    CareTeamMember.objects.create(
        patient=child, user=nurse, role="nurse_specialist", start_date=datetime.date(2023, 1, 1)
    )
    return nurse, family, child


def _grow(child: Patient, nurse: User, family: User, rows: int, scale: SeverityScale, items: list) -> None:
    now, today = timezone.now(), timezone.localdate()
    thread = Thread.objects.create(patient=child, kind="family", subject="Bench", created_by=family)
    for i in range(rows):
        day = today - datetime.timedelta(days=i)
        score = SeverityScore.objects.create(patient=child, scale=scale, assessed_on=day, assessor=nurse)
        SeverityScoreValue.objects.bulk_create(
            SeverityScoreValue(score=score, item=item, value=1) for item in items
        )
        start = now + datetime.timedelta(days=i + 1)
        Appointment.objects.create(
            patient=child,
            kind="neurology_clinic",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
        )
        Message.objects.create(thread=thread, author=family, body=f"Message {i}", from_family=True)
        Task.objects.create(title=f"Task {i}", patient=child, assignee=nurse)
        TreatmentCourse.objects.create(
            patient=child, agent="ivig", status="completed", start_date=day, prescriber=nurse
        )
        Investigation.objects.create(
            patient=child,
            kind="mri_brain",
            requested_by=nurse,
            status="resulted",
            resulted_at=now,
            result_summary="Normal",
        )
        SymptomReport.objects.create(
            patient=child,
            reported_by=family,
            unsteady="no",
            jerky_movements="no",
            eye_movements="no",
            sleep="a_little",
            behaviour="no",
            speech="no",
            recent_illness="no",
        )
        FamilyDocument.objects.create(
            patient=child,
            title=f"Letter {i}",
            dated=day,
            file=f"documents/bench/{i}.pdf",
            content_type="application/pdf",
            size=100,
            uploaded_by=nurse,
        )


def main() -> None:
    call_command("migrate", verbosity=0)
    sizes = [int(n) for n in os.environ.get("BENCH_FHIR_SIZES", "25,100,400").split(",")]
    runs = int(os.environ.get("BENCH_FHIR_RUNS", "20"))
    nurse, family, child = _people()
    scale = SeverityScale.objects.create(name="Bench scale", version=1)
    items = [ScaleItem.objects.create(scale=scale, code=c, label=c, position=i) for i, c in enumerate("abcd")]
    client = Client()
    client.force_login(nurse)
    url = f"/fhir/Patient/{child.pk}/$everything"
    grown = 0
    print(f"{'rows/kind':>9} {'resources':>9} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for size in sizes:
        _grow(child, nurse, family, size - grown, scale, items)
        grown = size
        client.get(url)  # warm up
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        total = response.json()["total"]
        print(f"{size:>9} {total:>9} {len(queries):>7} {statistics.median(times):>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
