"""FHIR R4 read and search: thin DRF views over sources.py, with audit of every child read."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.shortcuts import get_object_or_404
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import MethodNotAllowed, NotFound, ParseError, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.security.tokens import TokenAuthentication
from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.referrals.services.intake import RECEIPT_MESSAGE

from . import bundles, includes, search, services
from .auth import ClientCredentialsAuthentication, integration_client
from .capability import capability_statement
from .inbound import read_service_request
from .negotiation import FhirJsonRenderer, FhirNegotiation
from .outcome import fhir_exception_handler, information
from .readers import Reader
from .scopes import allows
from .sources import SOURCES, Source, source_for_id

# Staff and families keep their session or token; an integration client sends its bearer token. The
# first class decides the unauthenticated answer: 403 with an OperationOutcome, as before.
AUTHENTICATION = [SessionAuthentication, TokenAuthentication, ClientCredentialsAuthentication]


class FhirView(APIView):
    """FHIR has its own CapabilityStatement (/fhir/metadata); the REST API's OpenAPI schema leaves it out."""

    schema = None
    authentication_classes = AUTHENTICATION
    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirNegotiation

    def get_exception_handler(self) -> Any:
        # Same statuses and messages as the REST API's one handler; only the body becomes an OperationOutcome.
        return fhir_exception_handler

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/fhir/")

    def reader(self, resource_type: str, action: str = "read") -> Reader:
        """The reader; a client must hold a scope for this resource type (403 with an OperationOutcome)."""
        client = integration_client(self.request)
        if client is not None and not allows(self.granted_scopes(), resource_type, action):
            raise PermissionDenied(f"This client's token does not allow system/{resource_type}.{action}.")
        return Reader.of(self.request.user, client)

    def granted_scopes(self) -> set[str]:
        return set(getattr(self.request.auth, "scope", "").split())


def _sources(resource_type: str) -> list[Source]:
    if resource_type not in SOURCES:
        raise NotFound(f"{resource_type} is not a resource type this server supports.")
    return SOURCES[resource_type]


def _audit(request: Request, what: str, rows: Iterable[tuple[Source, Model]]) -> None:
    patient_ids = {pid for source, row in rows if (pid := source.patient_id(row)) is not None}
    # access_record needs only the primary keys, so no extra query fetches the children.
    access_record(
        request=request,
        patients=[Patient(pk=pid) for pid in sorted(patient_ids)],
        what=what,
        channel=AccessEvent.Channel.FHIR,
        basis=AccessEvent.Basis.INTEGRATION if integration_client(request) else None,
    )


class MetadataView(FhirView):
    permission_classes = [AllowAny]  # a client reads the capability statement before it signs in

    def get(self, request: Request) -> Response:
        return Response(capability_statement(self.base_url()))


class ReadView(FhirView):
    def get(self, request: Request, resource_type: str, fhir_id: str) -> Response:
        _sources(resource_type)
        reader = self.reader(resource_type)
        found = source_for_id(resource_type, fhir_id)
        if found is None:
            raise NotFound(f"{resource_type}/{fhir_id} was not found.")
        source, pk = found
        row = source.rows(reader).filter(pk=pk).first()
        resource = next((r for r in source.resources(row) if r["id"] == fhir_id), None) if row else None
        if row is None or resource is None:
            raise NotFound(f"{resource_type}/{fhir_id} was not found.")  # missing and forbidden look alike
        _audit(request, f"fhir:{resource_type}", [(source, row)])
        return Response(resource)


class SearchView(FhirView):
    def get(self, request: Request, resource_type: str) -> Response:
        sources = _sources(resource_type)
        reader = self.reader(resource_type)
        query = request.query_params
        try:
            search.check_params(resource_type, sources, query)
            names = includes.check_includes(resource_type, query.getlist("_include"))
            paging = search.paging(query)
            total, found = bundles.page_of(sources, reader, query, paging)
        except ValueError as exc:  # a SearchError, or an _include we do not offer
            raise ParseError(str(exc)) from exc
        matches = [resource for _, _, resource in found]
        granted = self.granted_scopes()
        extra = includes.included(
            names, matches, reader, lambda kind: not reader.is_system or allows(granted, kind, "read")
        )
        _audit(request, f"fhir:{resource_type}", [(source, row) for source, row, _ in [*found, *extra]])
        bundle = bundles.searchset(
            base=self.base_url(),
            path=resource_type,
            query=query,
            paging=paging,
            total=total,
            resources=matches,
            included=[resource for _, _, resource in extra],
        )
        return Response(bundle)

    def post(self, request: Request, resource_type: str) -> Response:
        """Create: only ServiceRequest (an inbound referral), only for a client with the write scope."""
        if resource_type != "ServiceRequest":
            _sources(resource_type)
            raise MethodNotAllowed("POST", detail=f"{resource_type} is read-only here.")
        client = integration_client(request)
        if client is None:
            raise PermissionDenied(
                "Inbound referrals come from integration clients; staff use the referral form."
            )
        self.reader(resource_type, "write")
        inbound = read_service_request(request.data, client)
        created = services.inbound_referral_receive(client=client, inbound=inbound)
        # The same answer whether the child was new, known or matched to no one: nothing is revealed.
        message = RECEIPT_MESSAGE if created else f"Already received (identifier {inbound.identifier_value})."
        return Response(information(message), status=202 if created else 200)


class EverythingView(FhirView):
    """Patient/{id}/$everything: the child and every resource about them this reader may see."""

    def get(self, request: Request, fhir_id: str) -> Response:
        if not fhir_id.isdigit() or len(fhir_id) > 17:
            raise NotFound(f"Patient/{fhir_id} was not found.")
        reader = self.reader("Patient")
        patient = get_object_or_404(reader.patients(), pk=int(fhir_id))
        resources: list[dict[str, Any]] = []
        for resource_type, sources in SOURCES.items():
            if reader.is_system and not allows(self.granted_scopes(), resource_type, "read"):
                continue  # a client gets only the types its scopes name
            for source in sources:
                if source.patient_path is None:
                    continue
                rows = source.rows(reader).filter(**{source.patient_path: patient.pk}).order_by(*source.order)
                resources.extend(r for row in rows for r in source.resources(row))
        access_record(
            request=request,
            patients=patient,
            what="fhir:Patient/$everything",
            channel=AccessEvent.Channel.FHIR,
            basis=AccessEvent.Basis.INTEGRATION if reader.is_system else None,
        )
        bundle = bundles.searchset(
            base=self.base_url(),
            path=f"Patient/{patient.pk}/$everything",
            query=request.query_params,
            paging=search.Paging(count=len(resources), offset=0),
            total=len(resources),
            resources=resources,
        )
        return Response(bundle)
