"""A large caseload file runs as a Celery job on a real worker: the dry run, then Apply, with counts."""

import pytest

from apps.accounts.models import StaffProfile, Team
from apps.imports import services
from apps.imports.models import CaseloadImport
from apps.imports.tasks import apply_import, plan_import
from apps.patients.models import Patient

from ..factories import StaffFactory
from ..imports.conftest import child_row, write_csv
from .conftest import WorkerProbe, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("celery")]


def test_a_large_file_is_planned_and_applied_by_the_worker_once(celery_worker: WorkerProbe) -> None:
    team = Team.objects.get_or_create(code="nursing", defaults={"name": "Nursing"})[0]
    nurse = StaffFactory(
        email="nina@example.org", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    StaffFactory(email="cara@example.org", role=StaffProfile.Role.CONSULTANT)
    rows = [
        child_row(hospital_number=f"H8{n:05d}", nhs_number="", guardian_1_email=f"parent{n}@example.org")
        for n in range(services.IMPORT_INLINE_ROWS + 5)
    ]
    job = services.import_upload(actor=nurse, team=team, filename="big.csv", data=write_csv(rows))
    assert job.runs_as_job and job.status == CaseloadImport.Status.PLANNING

    celery_worker.wait_for_runs(plan_import.name, 1, (job.pk,))
    job.refresh_from_db()
    assert job.status == CaseloadImport.Status.PLANNED
    assert services.import_counts(job)["created"] == len(rows)
    assert not Patient.objects.exists()

    services.import_apply(actor=nurse, job=job, content_sha256=job.content_sha256)
    [run] = celery_worker.wait_for_runs(apply_import.name, 1, (job.pk,))
    assert run.state == "SUCCESS"
    wait_until(lambda: CaseloadImport.objects.get(pk=job.pk).status == "applied", "the import to be applied")
    job.refresh_from_db()
    counts = services.import_counts(job)
    assert counts["done"] == counts["created"] == len(rows)
    assert Patient.objects.count() == len(rows)
    # The same task delivered again finds nothing left to do.
    apply_import.delay(job.pk)
    celery_worker.wait_for_runs(apply_import.name, 2, (job.pk,))
    assert Patient.objects.count() == len(rows)
