"""Caseload import benchmark: the dry run, Apply, and a second dry run of the same file (all unchanged).

Writes ``BENCH_IMPORT_ROWS`` children (default 500), each with a guardian and a care-team member, and
prints queries per row and rows per second for each phase. Not part of ``make test``. It needs a
throwaway PostgreSQL database, which it fills:

    createdb -h 127.0.0.1 -U postgres cc_import_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_import_bench .venv/bin/python bench/caseload_import.py
"""

import csv
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecoord.settings")
if "DATABASE_URL" not in os.environ:
    raise SystemExit("Set DATABASE_URL to a throwaway PostgreSQL database (see the docstring).")

import django

django.setup()

from django.core.management import call_command
from django.db import connection

from apps.accounts.models import StaffProfile, Team
from apps.accounts.services import staff_user_create
from apps.imports import columns, services

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "500"))


def _file(run: str, nurse_email: str, consultant_email: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns.header(), lineterminator="\r\n")
    writer.writeheader()
    for n in range(ROWS):
        row = dict.fromkeys(columns.header(), "")
        row.update(
            hospital_number=f"B{run}{n:06d}",
            given_name=f"Child{n}",
            family_name="Bench",
            date_of_birth="2021-03-14",
            named_nurse_email=nurse_email,
            care_team_emails=consultant_email,
            guardian_1_name="Parent",
            guardian_1_email=f"parent-{run}-{n}@example.org",
            guardian_1_relationship="mother",
        )
        writer.writerow(row)
    return out.getvalue().encode()


def _measure(label: str, work) -> None:  # type: ignore[no-untyped-def]
    count = [0]

    def counter(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
    print(f"{label:<28} {count[0] / ROWS:6.1f} queries/row {ROWS / seconds:8.1f} rows/s ({seconds:.2f}s)")


def main() -> None:
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:6]
    team = Team.objects.get_or_create(code="nursing", defaults={"name": "Nursing"})[0]
    nurse = staff_user_create(
        email=f"nurse-{run}@example.org",
        full_name="Bench Nurse",
        role=StaffProfile.Role.NURSE_SPECIALIST,
        teams=[team],
    )
    consultant = staff_user_create(
        email=f"cons-{run}@example.org", full_name="Bench Consultant", role=StaffProfile.Role.CONSULTANT
    )
    data = _file(run, nurse.email, consultant.email)
    services.IMPORT_INLINE_ROWS = ROWS  # measure the rows themselves, in this process
    jobs = {}
    _measure(
        "dry run (new children)",
        lambda: jobs.update(
            first=services.import_upload(actor=nurse, team=team, filename="bench.csv", data=data)
        ),
    )
    job = jobs["first"]
    _measure("apply", lambda: services.import_apply(actor=nurse, job=job, content_sha256=job.content_sha256))
    _measure(
        "dry run again (unchanged)",
        lambda: jobs.update(
            again=services.import_upload(actor=nurse, team=team, filename="bench.csv", data=data)
        ),
    )
    print(f"outcomes of the second dry run: {services.import_counts(jobs['again'])}")


if __name__ == "__main__":
    main()
