"""The research export: asked for by a research lead, built by a Celery job (or the command), stored
privately, downloadable by the person who asked until it expires.

Only children whose current consent for the scope is a permit in force (none withdrawn) are in it.
Each file is one table, as CSV and as NDJSON, with a data dictionary and a manifest, in one zip whose
SHA-256 is kept on the export record. Each included child gets an AccessEvent (channel "export").
"""

import csv
import datetime
import hashlib
import io
import json
import secrets
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import StaffProfile, User
from apps.accounts.types import AnyUser
from apps.audit.services import access_record_export
from carecoord.errors import refuse_unless

from .columns import DICTIONARY, TABLES, Table
from .consent import consented_patient_ids
from .dataset import Dataset, dataset_build, month
from .models import ConsentScope, ResearchExport
from .pseudonym import DEVELOPMENT_DEFAULT, pseudonym_key

Status = ResearchExport.Status
EXPORT_REFUSAL = "Only a clinic administrator with the research lead permission can run the research export."
UNKNOWN_SCOPE = "There is no registry or study with that code. Choose one from the list."
DATE_METHOD = "month-year: every date is reduced to its month (YYYY-MM); no day is exported"


def can_run_export(user: AnyUser) -> bool:
    """The research lead: a clinic administrator holding research.run_export (never a family)."""
    return (
        roles.staff_role(user) == StaffProfile.Role.CLINIC_ADMIN
        and isinstance(user, User)
        and user.has_perm("research.run_export")
    )


def export_storage() -> FileSystemStorage:
    """Private: outside MEDIA_ROOT, with no URL; files leave only through the download view."""
    return FileSystemStorage(location=settings.RESEARCH_EXPORT_ROOT, base_url=None)


def scope_by_code(code: str) -> ConsentScope:
    scope = ConsentScope.objects.filter(code=(code or "").strip()).first()
    if scope is None:
        raise ValidationError({"scope": [UNKNOWN_SCOPE]})
    return scope


def export_request(*, actor: User, scope_code: str, queue: bool = True) -> ResearchExport:
    """Record the request and queue the job after commit (``queue=False``: the caller builds it, as the
    command does). Refuses a wrong role (403), an unknown scope and a missing key in production
    (plain words, nothing written)."""
    refuse_unless(can_run_export(actor), EXPORT_REFUSAL)
    scope = scope_by_code(scope_code)
    pseudonym_key()  # refuse now, not in the job, when production has no key
    with transaction.atomic(durable=True):
        export = ResearchExport.objects.create(requested_by=actor, scope=scope)
        if queue:
            from .tasks import build_research_export  # the task module imports this one

            transaction.on_commit(lambda: build_research_export.delay(export.pk))
    return export


def _csv(table: Table, rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.names)
    for row in rows:
        writer.writerow([_text(row.get(name)) for name in table.names])
    return out.getvalue().encode()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _ndjson(table: Table, rows: list[dict[str, Any]]) -> bytes:
    lines = []
    for row in rows:
        record = {name: (None if row.get(name) in ("", None) else row[name]) for name in table.names}
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=False))
    return ("\n".join(lines) + "\n" if lines else "").encode()


def dictionary_rows() -> list[dict[str, str]]:
    return [
        {"table": t.name, "column": c.name, "type": c.type, "meaning": c.meaning, "allowed_values": c.allowed}
        for t in (*TABLES, DICTIONARY)
        for c in t.columns
    ]


def _dictionary_markdown(minimum: int) -> bytes:
    lines = [
        "# CareCoord OMS research export: data dictionary",
        "",
        f"Dates: {DATE_METHOD}.",
        "Pseudonyms: HMAC-SHA256 of the record id under RESEARCH_PSEUDONYM_KEY; stable while the key is.",
        f"Summary counts from 1 to {minimum - 1} are shown as '<{minimum}'.",
        "No names, NHS or hospital numbers, addresses, contact details or free text are exported.",
    ]
    for table in (*TABLES, DICTIONARY):
        lines += [
            "",
            f"## {table.name}",
            "",
            table.meaning,
            "",
            "| column | type | meaning | allowed values |",
        ]
        lines.append("| --- | --- | --- | --- |")
        lines += [f"| {c.name} | {c.type} | {c.meaning} | {c.allowed} |" for c in table.columns]
    return ("\n".join(lines) + "\n").encode()


def export_files(
    *, data: Dataset, scope: ConsentScope, key_source: str, today: datetime.date
) -> dict[str, bytes]:
    """The files of the zip, by name."""
    minimum = settings.RESEARCH_MIN_CELL
    files: dict[str, bytes] = {}
    for table in TABLES:
        rows = data.tables[table.name]
        files[f"{table.name}.csv"] = _csv(table, rows)
        files[f"{table.name}.ndjson"] = _ndjson(table, rows)
    files["data_dictionary.csv"] = _csv(DICTIONARY, dictionary_rows())
    files["data_dictionary.md"] = _dictionary_markdown(minimum)
    manifest = {
        "scope": scope.code,
        "scope_is_demo": scope.is_demo,
        "generated_month": month(today),
        "date_method": DATE_METHOD,
        "pseudonym": "HMAC-SHA256(record id) with RESEARCH_PSEUDONYM_KEY",
        "pseudonym_key": key_source,
        "minimum_cell": minimum,
        "rows": {t.name: len(data.tables[t.name]) for t in TABLES},
    }
    if key_source == DEVELOPMENT_DEFAULT:
        manifest["warning"] = "DEVELOPMENT KEY: pseudonyms are not secret. Not for real research use."
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    return files


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


def _claim(export_id: int) -> bool:
    """pending -> running, once: a second worker (or a redelivery) finds nothing to do."""
    return bool(
        ResearchExport.objects.filter(pk=export_id, status=Status.PENDING).update(status=Status.RUNNING)
    )


BUILD_FAILED = "The export could not be built. Try again; if it fails again, tell the system administrator."


def _fail(export_id: int, message: str) -> None:
    ResearchExport.objects.filter(pk=export_id).update(
        status=Status.FAILED, error=message[:300], finished_at=timezone.now()
    )


def export_build(*, export_id: int) -> ResearchExport | None:
    """Build, store and audit one requested export. Idempotent: only a pending export is built. A
    failure marks it failed in plain words (never left "running") and leaves no file behind."""
    if not _claim(export_id):
        return None
    export = ResearchExport.objects.select_related("scope", "requested_by").get(pk=export_id)
    try:
        key = pseudonym_key()
    except ValidationError as exc:
        _fail(export_id, " ".join(exc.messages))
        return None
    storage = export_storage()
    stored = ""
    try:
        today = timezone.localdate()
        ids = consented_patient_ids(export.scope, today)
        data = dataset_build(key=key, patient_ids=ids, today=today)
        content = _zip(export_files(data=data, scope=export.scope, key_source=key.source, today=today))
        Path(settings.RESEARCH_EXPORT_ROOT).mkdir(parents=True, exist_ok=True)
        stored = storage.save(f"research-export-{export.pk}-{secrets.token_hex(8)}.zip", io.BytesIO(content))
        with transaction.atomic():
            now = timezone.now()
            export.status = Status.DONE
            export.finished_at = now
            export.children_count = len(ids)
            export.file_name = stored
            export.file_sha256 = hashlib.sha256(content).hexdigest()
            export.file_size = len(content)
            export.expires_at = now + datetime.timedelta(hours=settings.RESEARCH_EXPORT_HOURS)
            export.key_source = key.source
            export.save(
                update_fields=[
                    "status",
                    "finished_at",
                    "children_count",
                    "file_name",
                    "file_sha256",
                    "file_size",
                    "expires_at",
                    "key_source",
                ]
            )
            access_record_export(
                user=export.requested_by,
                patient_ids=ids,
                what=f"research export {export.pk} ({export.scope.code})",
            )
    except Exception:
        if stored:
            storage.delete(stored)
        _fail(export_id, BUILD_FAILED)
        raise
    return export


def downloadable_export(*, user: AnyUser, pk: int) -> ResearchExport | None:
    """The requester's own finished export, or None (someone else's is not there for them)."""
    return (
        ResearchExport.objects.filter(pk=pk, requested_by_id=getattr(user, "pk", None), status=Status.DONE)
        .select_related("scope")
        .first()
    )


def is_expired(export: ResearchExport) -> bool:
    return export.expires_at is None or export.expires_at <= timezone.now() or not export.file_name


def export_open(*, actor: User, export: ResearchExport) -> Any:
    """The stored file, opened for download, with the download counted."""
    refuse_unless(can_run_export(actor), EXPORT_REFUSAL)
    handle = export_storage().open(export.file_name, "rb")
    ResearchExport.objects.filter(pk=export.pk).update(
        downloads=F("downloads") + 1, last_downloaded_at=timezone.now()
    )
    return handle


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of expired exports (the records stay, with their hash). Returns how many."""
    now = now or timezone.now()
    storage = export_storage()
    expired = ResearchExport.objects.filter(status=Status.DONE, expires_at__lte=now).exclude(file_name="")
    count = 0
    for export in expired:
        storage.delete(export.file_name)
        count += ResearchExport.objects.filter(pk=export.pk, file_name=export.file_name).update(file_name="")
    return count
