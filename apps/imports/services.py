"""Caseload import writes: upload (file checks), the dry run, and Apply.

The whole file is checked first (size, encoding, columns, the same child twice); a file-level problem
refuses the upload and nothing is stored. The dry run plans each row (``rows.run_row``) and stores the
plan. Apply runs from the stored file, never from the browser: it is refused unless the caller names
the same file (its SHA-256), and each row commits in its own transaction only if it would still change
exactly what the dry run showed. So a row is written whole or not at all, and a second Apply of the
same file finds every row unchanged.

Files of more than ``IMPORT_INLINE_ROWS`` rows are planned and applied by a Celery job (queued after
commit); smaller ones run in the request. Both use ``plan_rows`` and ``apply_rows``.
"""

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from carecoord.errors import ApplicationError
from carecoord.transitions import Transitions

from . import columns
from .models import CaseloadImport, ImportRow, Outcome
from .rowdata import row_keys
from .rows import ImportContext, RowResult, run_row

IMPORT_INLINE_ROWS = 25
NOT_YOURS = "You can import only into your own team's caseload."
Status = CaseloadImport.Status
IMPORT = Transitions(
    "caseload import",
    {
        Status.PLANNING: {Status.PLANNED, Status.FAILED},
        Status.PLANNED: {Status.APPLYING},
        Status.APPLYING: {Status.APPLIED, Status.FAILED},
    },
    label=lambda state: Status(state).label,
    illegal="This import is {current}: it cannot be {target}.",
    subject=lambda job: "This import",
)


def check_can_import(actor: User, team: Team | None = None) -> None:
    if not roles.can_import_caseload(actor, team.pk if team else None):
        raise PermissionDenied(
            NOT_YOURS
            if team is not None and roles.can_import_caseload(actor)
            else ("Only the clinic administrator and nurse specialists can import a caseload.")
        )


def _duplicates(parsed: columns.ParsedFile) -> dict[int, str]:
    """Row number -> why it is refused: the same child twice in one file."""
    refused: dict[int, str] = {}
    first_copy: dict[tuple[str, ...], int] = {}
    for row in parsed.rows:
        signature = tuple(row.cells[c].strip() for c in parsed.columns)
        if signature in first_copy:
            refused[row.number] = f"This row repeats row {first_copy[signature]}; only that row is imported."
        else:
            first_copy[signature] = row.number
    copies = set(refused)
    for position, label in ((0, "NHS number"), (1, "hospital number")):
        rows_by_key: dict[str, list[int]] = {}
        for row in parsed.rows:
            key = row_keys(row)[position]
            if key and row.number not in copies:
                rows_by_key.setdefault(key, []).append(row.number)
        for numbers in rows_by_key.values():
            if len(numbers) > 1:
                listed = ", ".join(str(n) for n in numbers)
                for number in numbers:
                    refused[number] = f"Rows {listed} have the same {label}: keep one of them."
    return refused


def import_upload(*, actor: User, team: Team, filename: str, data: bytes) -> CaseloadImport:
    """Check the file and store it with its dry run (inline for a small file, else a job, queued)."""
    check_can_import(actor, team)
    text = columns.decode(data)
    parsed = columns.parse(text)
    job = CaseloadImport(
        team=team,
        created_by=actor,
        filename=(filename or "caseload.csv")[:200],
        content=text,
        content_sha256=hashlib.sha256(data).hexdigest(),
        total_rows=len(parsed.rows),
        runs_as_job=len(parsed.rows) > IMPORT_INLINE_ROWS,
    )
    with transaction.atomic(durable=True):
        IMPORT.create(job, actor=actor)
        if job.runs_as_job:
            from .tasks import plan_import

            transaction.on_commit(lambda: plan_import.delay(job.pk))
    if not job.runs_as_job:
        plan_rows(job_id=job.pk)
        job.refresh_from_db()
    return job


def _store(job: CaseloadImport, number: int, result: RowResult, *, applied: bool) -> None:
    if applied:
        ImportRow.objects.filter(job=job, number=number).update(
            applied_outcome=result.outcome,
            applied_problems=result.problems,
            applied_at=timezone.now(),
            patient=result.patient,
        )
        return
    ImportRow.objects.update_or_create(
        job=job,
        number=number,
        defaults={
            "child_name": result.child_name[:210],
            "hospital_number": result.hospital_number[:30],
            "outcome": result.outcome,
            "changes": result.changes,
            "problems": result.problems,
            "patient": result.patient,
        },
    )


def plan_rows(*, job_id: int) -> None:
    """The dry run: plan every row not yet planned (so a job run twice picks up where it stopped)."""
    job = CaseloadImport.objects.select_related("team", "created_by").filter(pk=job_id).first()
    if job is None or job.status != Status.PLANNING:
        return
    parsed = columns.parse(job.content)
    duplicates = _duplicates(parsed)
    done = set(job.rows.values_list("number", flat=True))
    ctx = ImportContext(actor=job.created_by, team=job.team)
    for row in parsed.rows:
        if row.number in done:
            continue
        if row.number in duplicates:
            result = RowResult(
                Outcome.REFUSED,
                hospital_number=row_keys(row)[1],
                problems=[{"column": "", "message": duplicates[row.number]}],
            )
        else:
            result = run_row(ctx, row, parsed.guardian_slots, commit=False)
        _store(job, row.number, result, applied=False)
    _finish(job, Status.PLANNED, planned_at=timezone.now())


def _finish(job: CaseloadImport, to: str, **fields: Any) -> None:
    with transaction.atomic(durable=True):
        locked = CaseloadImport.objects.select_for_update().get(pk=job.pk)
        if locked.status in (to, Status.FAILED):
            return  # a second delivery got here too, or the job stopped (its rows are no longer claimed)
        IMPORT.move(locked, to, actor=job.created_by, **fields)


def import_apply(*, actor: User, job: CaseloadImport, content_sha256: str) -> CaseloadImport:
    """Apply exactly the dry run's plan of this stored file (inline, or queued as a job)."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied("Only the person who uploaded this file can apply it.")
    check_can_import(actor, job.team)
    if not content_sha256:
        raise ValidationError({"content_sha256": "Say which file to apply (its SHA-256 from the dry run)."})
    with transaction.atomic(durable=True):
        locked = CaseloadImport.objects.select_for_update().get(pk=job.pk)
        if locked.content_sha256 != content_sha256.strip().lower():
            raise ApplicationError.stale("The file has changed since this dry run. Upload it again.")
        IMPORT.move(locked, Status.APPLYING, actor=actor, expected=Status.PLANNED)
        if locked.runs_as_job:
            from .tasks import apply_import

            transaction.on_commit(lambda: apply_import.delay(locked.pk))
    if not locked.runs_as_job:
        apply_rows(job_id=locked.pk)
    locked.refresh_from_db()
    return locked


def apply_rows(*, job_id: int) -> None:
    """Apply each planned row not yet applied; refused rows stay refused.

    Each row is claimed, written and recorded in one transaction, so a crash leaves it either done and
    recorded or untouched, and a second delivery of the same job (a redelivered task while the first
    still runs) skips the rows the first holds instead of applying them again, then waits for them
    (the first may fail on one, which then falls to this delivery). Rows are claimed only while the job
    is applying, and the job is applied when no row is left, by whichever delivery does the last one.
    """
    job = CaseloadImport.objects.select_related("team", "created_by").filter(pk=job_id).first()
    if job is None or job.status != Status.APPLYING:
        return
    parsed = columns.parse(job.content)
    by_number = {row.number: row for row in parsed.rows}
    ctx = ImportContext(actor=job.created_by, team=job.team)
    for skip_locked in (True, False):
        pending = job.rows.filter(applied_at__isnull=True).order_by("number").values_list("number", flat=True)
        for number in list(pending):
            with transaction.atomic(durable=True):
                planned = (
                    job.rows.select_for_update(skip_locked=skip_locked, of=("self",))
                    .filter(number=number, applied_at__isnull=True, job__status=Status.APPLYING)
                    .first()
                )
                if planned is None:
                    continue  # held by another delivery, applied already, or the job has stopped
                _apply_one(ctx, planned, by_number[number], parsed.guardian_slots, job)
    if job.rows.filter(applied_at__isnull=True).exists():
        return  # another delivery is applying the rest, and finishes the job
    # The file is no longer needed: the rows keep what was done.
    _finish(job, Status.APPLIED, applied_at=timezone.now(), content="")


def _apply_one(
    ctx: ImportContext, planned: ImportRow, row: columns.FileRow, slots: int, job: CaseloadImport
) -> None:
    if planned.outcome == Outcome.REFUSED:
        result = RowResult(Outcome.REFUSED, problems=planned.problems, patient=planned.patient)
    else:
        expected = (planned.outcome, list(planned.changes))
        result = run_row(ctx, row, slots, commit=True, expected=expected)
    _store(job, planned.number, result, applied=True)


def import_fail(*, job_id: int, error: str) -> None:
    """A job that stopped (the worker gave up): say so, keeping the rows already done."""
    job = CaseloadImport.objects.filter(pk=job_id).first()
    if job is not None and IMPORT.can(job.status, Status.FAILED):
        _finish(job, Status.FAILED, error=error[:300])


def import_counts(job: CaseloadImport) -> dict[str, int]:
    """Rows planned (or applied) so far, and how many of each outcome: one query."""
    field = "applied_outcome" if job.status in (Status.APPLYING, Status.APPLIED) else "outcome"
    done = Q(applied_at__isnull=False) if field == "applied_outcome" else Q()
    counts = ImportRow.objects.filter(job=job).aggregate(
        done=Count("pk", filter=done),
        **{o: Count("pk", filter=done & Q(**{field: o})) for o in Outcome.values},
    )
    return {k: v or 0 for k, v in counts.items()}
