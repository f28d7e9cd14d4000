"""FHIR Bulk Data export (Bulk Data Access IG v2): ``Group/{team}/$export`` for an integration client.

The kick-off writes a BulkExport row in its own transaction (the outbox) and queues the job after
commit; a broker outage only delays it, because the beat sweeper queues pending exports again. The
job claims the row (pending -> running, a conditional UPDATE), reads the team's children through
the same sources and mappers as the read API, and writes one NDJSON file per resource type into
private storage. Files are read back only by the exporting client; each download is audited per
child. Everything expires ``FHIR_EXPORT_HOURS`` after the export finished.
"""

import datetime
import json
import logging
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import Team

from .models import BulkExport, BulkExportFile, IntegrationClient
from .outcome import operation_outcome
from .readers import Reader
from .scopes import allows
from .sources import SOURCES, Source

logger = logging.getLogger(__name__)
Status = BulkExport.Status

# The types about a child (the Patient compartment as we serve it); the staff directory is not exported.
EXPORT_TYPES = [t for t, sources in SOURCES.items() if any(s.patient_path for s in sources)]
# _since: a source whose rows carry a column that moves whenever what we export of them changes.
# Every other source has no such column, so its rows are all exported (a client de-duplicates by id;
# leaving a changed row out would be the worse error).
SINCE_PATHS = {("Patient", ""): "updated_at", ("Communication", ""): "created_at"}
OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
ALREADY_RUNNING = (
    "This client already has an export under way. Wait for it to finish (or cancel it) and try again."
)
RETRY_AFTER_SECONDS = 120


class KickOffError(ValueError):
    """A kick-off the client must fix (400 with an OperationOutcome)."""


class TooManyExports(Exception):
    """This client already has an export under way (429, with Retry-After)."""


def export_storage() -> Storage:
    """The private directory of export files: no URL serves it; only the download view reads it."""
    return FileSystemStorage(location=settings.FHIR_EXPORT_DIR, base_url=None)


@dataclass(frozen=True)
class ExportRequest:
    types: list[str]
    since: datetime.datetime | None


def read_kick_off(query: Any, granted: set[str]) -> ExportRequest:
    """The kick-off's parameters: _type (each known and within the token's scopes), _since, _outputFormat."""
    unknown = sorted(set(query) - {"_type", "_since", "_outputFormat", "_format"})
    if unknown:
        raise KickOffError(
            f"$export does not support the parameter(s): {', '.join(unknown)}. "
            "Supported: _type, _since, _outputFormat."
        )
    output_format = query.get("_outputFormat")
    if output_format is not None and output_format.replace(" ", "+") not in OUTPUT_FORMATS:
        raise KickOffError(f"_outputFormat={output_format} is not supported: use application/fhir+ndjson.")
    asked = [t.strip() for v in query.getlist("_type") for t in v.split(",") if t.strip()]
    not_exported = [t for t in asked if t not in EXPORT_TYPES]
    if not_exported:
        raise KickOffError(
            f"_type names resource type(s) this server does not export: {', '.join(not_exported)}. "
            f"Exported: {', '.join(EXPORT_TYPES)}."
        )
    if asked:
        refused = [t for t in asked if not allows(granted, t, "read")]
        if refused:
            raise PermissionDenied(
                f"This client's token does not allow reading {', '.join(refused)} (system/<Type>.read)."
            )
        types = list(dict.fromkeys(asked))
    else:
        types = [t for t in EXPORT_TYPES if allows(granted, t, "read")]
        if not types:
            raise PermissionDenied(
                "This client's token allows reading no resource type (system/<Type>.read)."
            )
    return ExportRequest(types=types, since=_since(query.get("_since")))


def _since(value: str | None) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise KickOffError(
            f"_since must be a FHIR instant with a time zone (2026-01-31T09:00:00Z), not {value!r}."
        )
    if moment > timezone.now():
        raise KickOffError("_since is in the future: nothing could have changed since then.")
    return moment


def client_team(client: IntegrationClient, team_id: str) -> Team | None:
    """The team of ``Group/{team}``, if this client is bound to it (otherwise None: a 404)."""
    if not team_id.isdigit() or len(team_id) > 17:
        return None
    return client.teams.filter(pk=int(team_id)).first()


def bulk_export_kick_off(
    *, client: IntegrationClient, team: Team, request: ExportRequest, request_url: str
) -> BulkExport:
    """The export's row, written now; its job is queued after commit (or by the sweeper)."""
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            export = BulkExport.objects.create(
                client=client,
                team=team,
                types=request.types,
                since=request.since,
                request_url=request_url[:2000],
                queued_at=now,
                expires_at=now + datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS),
            )
            transaction.on_commit(lambda: _enqueue(export.pk), robust=True)
    except IntegrityError:  # the partial unique constraint: one live export per client
        raise TooManyExports() from None
    return export


def _enqueue(export_id: Any) -> bool:
    from .tasks import run_bulk_export

    try:
        run_bulk_export.apply_async(args=[str(export_id)], retry=False)
    except Exception:  # the broker is down: the row stays pending and the sweeper queues it again
        logger.warning("Bulk export %s could not be queued; it stays pending for the sweeper", export_id)
        return False
    return True


def exports_of(client: IntegrationClient) -> QuerySet[BulkExport]:
    """A client's own exports that have neither expired nor been cancelled: anyone else's is a 404."""
    return BulkExport.objects.filter(client=client, expires_at__gt=timezone.now()).exclude(
        status=Status.CANCELLED
    )


def export_file_of(client: IntegrationClient, file_id: str) -> BulkExportFile | None:
    return (
        BulkExportFile.objects.filter(
            export__in=exports_of(client).filter(status__in=[Status.DONE, Status.FAILED])
        )
        .filter(pk=file_id)
        .first()
    )


# --- the job -----------------------------------------------------------------------------------


def _claim(export_id: str) -> BulkExport | None:
    """pending -> running, or a running export whose worker was lost; None when another run has it."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.FHIR_EXPORT_STALE_SECONDS)
    claimable = Q(status=Status.PENDING) | Q(status=Status.RUNNING, started_at__lt=stale)
    won = BulkExport.objects.filter(claimable, pk=export_id).update(
        status=Status.RUNNING, started_at=now, transaction_time=now, progress="Starting"
    )
    if not won:
        return None
    return BulkExport.objects.select_related("client__service_user", "team").get(pk=export_id)


def _rows(source: Source, reader: Reader, since: datetime.datetime | None) -> QuerySet[Any]:
    rows = source.rows(reader)
    path = SINCE_PATHS.get((source.resource_type, source.prefix))
    if since is not None and path is not None:
        rows = rows.filter(**{f"{path}__gt": since})
    return rows.order_by(*source.order)


def _resources(
    resource_type: str, reader: Reader, since: datetime.datetime | None
) -> Iterator[tuple[int | None, dict]]:
    for source in SOURCES[resource_type]:
        rows = _rows(source, reader, since)
        # Flags expand in Python from the caseload's own rows; the rest stream in chunks.
        batch = rows if source.expand is not None else rows.iterator(chunk_size=500)
        for row in batch:
            patient_id = source.patient_id(row)
            for resource in source.resources(row):
                yield patient_id, resource


def _is_cancelled(export: BulkExport) -> bool:
    return not BulkExport.objects.filter(pk=export.pk, status=Status.RUNNING).exists()


def _write_file(
    export: BulkExport,
    resource_type: str,
    lines: Iterator[tuple[int | None, dict]],
    *,
    is_error: bool = False,
) -> BulkExportFile | None:
    """Write one NDJSON file; None when the export was cancelled meanwhile (nothing is kept)."""
    count, patients = 0, set()
    with tempfile.TemporaryFile(mode="w+b") as out:
        for patient_id, resource in lines:
            out.write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
            count += 1
            if patient_id is not None:
                patients.add(patient_id)
        size = out.tell()
        out.seek(0)
        # No file for a type with nothing in it (the IG's manifest lists only files with data).
        if not is_error and (count == 0 or _is_cancelled(export)):
            return None
        suffix = "error" if is_error else resource_type
        name = export_storage().save(f"{export.pk}/{suffix}.ndjson", File(out))
    try:
        return BulkExportFile.objects.create(
            export=export,
            resource_type=resource_type,
            is_error=is_error,
            name=name,
            count=count,
            size=size,
            patient_ids=sorted(patients),
        )
    except IntegrityError:  # a second run of the same export wrote this type first
        export_storage().delete(name)
        return None


def bulk_export_run(*, export_id: str) -> None:
    """The job: claim the export, write a file per type, mark it done. A repeat finds it claimed."""
    export = _claim(export_id)
    if export is None:
        return
    client = export.client
    if not client.is_active:
        bulk_export_fail(export_id=export_id, error="The integration client was revoked.")
        return
    # The client's reader, bound to the Group's team only (a client may be bound to several).
    reader = Reader(client.service_user, client, (export.team_id,))
    _remove_files(export)  # a run after a lost worker starts again from nothing
    for number, resource_type in enumerate(export.types, start=1):
        BulkExport.objects.filter(pk=export.pk, status=Status.RUNNING).update(
            progress=f"Exporting {resource_type} ({number} of {len(export.types)} types)"
        )
        made = _write_file(export, resource_type, _resources(resource_type, reader, export.since))
        if made is None and _is_cancelled(export):
            _remove_files(export)
            return
    finished = timezone.now()
    done = BulkExport.objects.filter(pk=export.pk, status=Status.RUNNING).update(
        status=Status.DONE,
        progress="Done",
        finished_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS),
    )
    if not done:  # cancelled as the last file was written
        _remove_files(export)


def bulk_export_fail(*, export_id: str, error: str) -> None:
    """A job that could not finish: its files go, and the manifest's error list names the problem."""
    export = BulkExport.objects.filter(pk=export_id, status__in=BulkExport.LIVE).first()
    if export is None:
        return
    _remove_files(export)
    outcome = operation_outcome(500, f"The export failed: {error}")
    _write_file(export, "OperationOutcome", iter([(None, outcome)]), is_error=True)
    finished = timezone.now()
    BulkExport.objects.filter(pk=export.pk, status__in=BulkExport.LIVE).update(
        status=Status.FAILED,
        error=error[:500],
        progress="Failed",
        finished_at=finished,
        expires_at=finished + datetime.timedelta(hours=settings.FHIR_EXPORT_HOURS),
    )


def _remove_files(export: BulkExport) -> None:
    storage = export_storage()
    for name in BulkExportFile.objects.filter(export=export).values_list("name", flat=True):
        storage.delete(name)
    BulkExportFile.objects.filter(export=export).delete()


def bulk_export_cancel(*, client: IntegrationClient, export: BulkExport) -> None:
    """DELETE on the status URL: the export stops (a running job notices) and its files go now."""
    with transaction.atomic(durable=True):
        locked = BulkExport.objects.select_for_update().get(pk=export.pk, client=client)
        locked.status = Status.CANCELLED
        locked.expires_at = timezone.now()
        locked.save(update_fields=["status", "expires_at"])
    _remove_files(locked)


# --- beat ------------------------------------------------------------------------------------------


def bulk_exports_sweep(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Queue again the exports whose job was lost (a broker outage, a dead worker); delete the
    expired ones with their files. Returns (queued, deleted)."""
    now = now or timezone.now()
    waited = now - datetime.timedelta(seconds=settings.FHIR_EXPORT_SWEEP_AFTER_SECONDS)
    stale = now - datetime.timedelta(seconds=settings.FHIR_EXPORT_STALE_SECONDS)
    lost = BulkExport.objects.filter(
        Q(status=Status.PENDING, queued_at__lt=waited) | Q(status=Status.RUNNING, started_at__lt=stale)
    )
    queued = 0
    for export_id in list(lost.values_list("pk", flat=True)[:100]):
        BulkExport.objects.filter(pk=export_id).update(queued_at=now)
        queued += _enqueue(export_id)
    expired = list(BulkExport.objects.filter(expires_at__lte=now).exclude(status__in=BulkExport.LIVE))
    for export in expired:
        _remove_files(export)
        shutil.rmtree(Path(settings.FHIR_EXPORT_DIR) / str(export.pk), ignore_errors=True)
    BulkExport.objects.filter(pk__in=[e.pk for e in expired]).delete()
    return queued, len(expired)


def manifest(export: BulkExport, base: str) -> dict[str, Any]:
    """The completion manifest (Bulk Data IG): what the job wrote, and where to fetch it."""
    order = {t: i for i, t in enumerate(export.types)}
    files = sorted(export.files.all(), key=lambda f: order.get(f.resource_type, len(order)))  # as asked

    def url(f: BulkExportFile) -> str:
        return f"{base}$export-file/{f.pk}"

    return {
        "transactionTime": (export.transaction_time or export.created_at)
        .astimezone(datetime.UTC)
        .isoformat(),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": f.resource_type, "url": url(f), "count": f.count} for f in files if not f.is_error
        ],
        "error": [{"type": "OperationOutcome", "url": url(f)} for f in files if f.is_error],
    }
