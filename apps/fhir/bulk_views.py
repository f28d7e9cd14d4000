"""Bulk Data export routes: kick-off (``Group/{team}/$export``), the status URL, and file downloads.

Integration clients only: staff and families export nothing here (a caseload's CSV export is the
staff's way). Another client's export, an expired one and a cancelled one are all a 404.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.http import http_date
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, Throttled
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.patients.models import Patient

from . import bulk
from .auth import integration_client
from .models import BulkExport, IntegrationClient
from .negotiation import FHIR_JSON, FhirNegotiation, _media_types
from .outcome import information
from .views import FhirView

CLIENTS_ONLY = (
    "Bulk export is for integration clients signed in with OAuth2 client credentials. "
    "Staff export a team's caseload as CSV from the caseload import page."
)
GONE = "This export was not found. It may have expired or been cancelled."
NDJSON = "application/fhir+ndjson"


def _client(request: Request) -> IntegrationClient | None:
    return integration_client(request)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class ExportKickOffView(FhirView):
    def get(self, request: Request, team_id: str) -> Response:
        client = _client(request)
        if client is None:
            raise PermissionDenied(CLIENTS_ONLY)
        team = bulk.client_team(client, team_id)
        if team is None:  # a team the client is not bound to looks like no team at all
            raise NotFound(f"Group/{team_id} was not found.")
        prefer = {p.split("=")[0].strip().lower() for p in request.headers.get("Prefer", "").split(",")}
        if "respond-async" not in prefer:
            raise ParseError("Send the header Prefer: respond-async. A bulk export runs as a job.")
        if FHIR_JSON not in _media_types(request.headers.get("Accept", "")):
            raise ParseError(f"Send the header Accept: {FHIR_JSON}.")
        try:
            asked = bulk.read_kick_off(request.query_params, self.granted_scopes())
            export = bulk.bulk_export_kick_off(
                client=client, team=team, request=asked, request_url=request.build_absolute_uri()
            )
        except bulk.KickOffError as exc:
            raise ParseError(str(exc)) from exc
        except bulk.TooManyExports as exc:
            raise Throttled(wait=bulk.RETRY_AFTER_SECONDS, detail=bulk.ALREADY_RUNNING) from exc
        response = Response(
            information(f"Export of {', '.join(asked.types)} for {team.name} accepted. Poll the status URL."),
            status=202,
        )
        response["Content-Location"] = request.build_absolute_uri(
            reverse("fhir:export-status", args=[export.pk])
        )
        return response


class ExportStatusView(FhirView):
    def _export(self, request: Request, export_id: str) -> BulkExport:
        client, pk = _client(request), _uuid(export_id)
        found = bulk.exports_of(client).filter(pk=pk).first() if client and pk else None
        if found is None:
            raise NotFound(GONE)
        return found

    def get(self, request: Request, export_id: str) -> Response:
        export = self._export(request, export_id)
        if export.status in BulkExport.LIVE:
            response = Response(information(export.progress or "Waiting for the worker"), status=202)
            response["X-Progress"] = export.progress or "Waiting for the worker"
            response["Retry-After"] = "5"
            return response
        # The manifest is plain JSON, not a FHIR resource (Bulk Data IG).
        response = Response(bulk.manifest(export, self.base_url()), content_type="application/json")
        response["Expires"] = http_date(export.expires_at.timestamp())
        return response

    def delete(self, request: Request, export_id: str) -> Response:
        export = self._export(request, export_id)
        bulk.bulk_export_cancel(client=export.client, export=export)
        return Response(information("The export was cancelled and its files deleted."), status=202)


class NdjsonNegotiation(FhirNegotiation):
    """A download answers NDJSON; a refusal of one is still an OperationOutcome in FHIR JSON."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return next(iter(renderers)), FHIR_JSON


class ExportFileView(FhirView):
    content_negotiation_class = NdjsonNegotiation

    def get(self, request: Request, file_id: str) -> Any:
        client, pk = _client(request), _uuid(file_id)
        found = bulk.export_file_of(client, pk) if client and pk else None
        if found is None:
            raise NotFound(GONE)
        try:
            handle = bulk.export_storage().open(found.name, "rb")
        except FileNotFoundError:
            raise NotFound(GONE) from None
        # Each child whose data is in the file was read by this client now: one event each.
        access_record(
            request=request,
            patients=[Patient(pk=pid) for pid in found.patient_ids],
            what=f"fhir:$export {found.resource_type}",
            channel=AccessEvent.Channel.FHIR,
            basis=AccessEvent.Basis.INTEGRATION,
        )
        return FileResponse(handle, content_type=NDJSON)  # streamed in chunks, never read whole
