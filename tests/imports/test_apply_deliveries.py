"""Applying a caseload import when the job is delivered twice, or stops between a row's write and its record.

A broker redelivers a long task whose worker looks lost while that worker is still running it; each row
is claimed, written and recorded in one transaction, so the second delivery skips what the first holds
and neither leaves the job "applied" with rows still to do."""

import threading
import time

import pytest
from django.db import connection, transaction

from apps.imports import services
from apps.imports.models import CaseloadImport, ImportRow
from apps.patients.models import Patient

from .conftest import child_row, write_csv

Status = CaseloadImport.Status


def _planned(nurse, team, count: int) -> CaseloadImport:  # type: ignore[no-untyped-def]
    rows = [
        child_row(
            hospital_number=f"H90000{i}",
            nhs_number="",
            given_name=f"Child{i}",
            guardian_1_email=f"parent{i}@example.org",
        )
        for i in range(1, count + 1)
    ]
    job = services.import_upload(actor=nurse, team=team, filename="caseload.csv", data=write_csv(rows))
    assert job.status == Status.PLANNED
    assert {row.outcome for row in job.rows.all()} == {"created"}
    # As import_apply leaves a job that runs on a worker: applying, its rows not yet done.
    CaseloadImport.objects.filter(pk=job.pk).update(status=Status.APPLYING)
    return job


def _until(condition, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_second_delivery_applies_what_the_first_does_not_hold_then_the_row_it_failed_on(
    require_postgres, nurse, consultant, team
) -> None:
    job = _planned(nurse, team, 3)
    held, release = threading.Event(), threading.Event()

    def first_delivery_failing_on_row_3() -> None:
        try:
            with transaction.atomic():
                ImportRow.objects.select_for_update().get(job=job, number=3)
                held.set()
                release.wait(timeout=30)
                raise RuntimeError("the first delivery stops on row 3")
        except RuntimeError:
            pass
        finally:
            connection.close()

    def second_delivery() -> None:
        try:
            services.apply_rows(job_id=job.pk)
        finally:
            connection.close()

    first = threading.Thread(target=first_delivery_failing_on_row_3)
    second = threading.Thread(target=second_delivery)
    first.start()
    assert held.wait(timeout=30)
    second.start()
    try:
        _until(lambda: ImportRow.objects.filter(job=job, applied_at__isnull=False).count() == 2)
        job.refresh_from_db()
        assert job.status == Status.APPLYING  # not "applied" while row 3 is still someone's
        assert list(job.rows.filter(applied_at__isnull=True).values_list("number", flat=True)) == [3]
    finally:
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)

    job.refresh_from_db()
    assert job.status == Status.APPLIED  # the second delivery waited for row 3 and did it
    assert {row.applied_outcome for row in job.rows.all()} == {"created"}
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Child1", "Child2", "Child3"]
    services.apply_rows(job_id=job.pk)  # a late third delivery changes nothing
    assert Patient.objects.count() == 3


@pytest.mark.django_db
def test_a_delivery_stops_claiming_rows_once_the_job_has_failed(nurse, consultant, team, monkeypatch) -> None:
    job = _planned(nurse, team, 3)
    apply_one = services._apply_one

    def apply_then_the_other_delivery_gives_up(ctx, planned, row, slots, job_):  # type: ignore[no-untyped-def]
        apply_one(ctx, planned, row, slots, job_)
        # What the other delivery's import_fail commits (from its own worker, so not nested here).
        CaseloadImport.objects.filter(pk=job.pk).update(status=Status.FAILED, error="Stopped.")

    monkeypatch.setattr(services, "_apply_one", apply_then_the_other_delivery_gives_up)
    services.apply_rows(job_id=job.pk)  # no error: it stops, and leaves the job as the other left it
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert list(Patient.objects.values_list("given_name", flat=True)) == ["Child1"]
    assert job.rows.filter(applied_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_a_row_whose_record_fails_after_its_write_is_not_half_done(
    nurse, consultant, team, monkeypatch
) -> None:
    job = _planned(nurse, team, 2)
    store = services._store

    def store_then_stop(job, number, result, *, applied):  # type: ignore[no-untyped-def]
        if applied and number == 3:
            raise RuntimeError("the worker stopped here")
        store(job, number, result, applied=applied)

    monkeypatch.setattr(services, "_store", store_then_stop)
    with pytest.raises(RuntimeError):
        services.apply_rows(job_id=job.pk)
    assert list(Patient.objects.values_list("given_name", flat=True)) == [
        "Child1"
    ]  # row 3's child rolled back
    assert list(job.rows.filter(applied_at__isnull=True).values_list("number", flat=True)) == [3]

    monkeypatch.setattr(services, "_store", store)
    services.apply_rows(job_id=job.pk)  # the redelivered task
    job.refresh_from_db()
    assert job.status == Status.APPLIED
    assert {row.applied_outcome for row in job.rows.all()} == {"created"}  # not refused as changed since
    assert sorted(Patient.objects.values_list("given_name", flat=True)) == ["Child1", "Child2"]
