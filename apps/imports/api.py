"""Caseload import over the API (/api/v1/caseload-imports/): upload (dry run), read the plan, apply;
the template and the export as CSV.

Thin: the services decide who may import (403); an import is its uploader's (404 for anyone else).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import Team
from apps.accounts.types import request_user
from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.patients import access
from carecoord.errors import refuse_unless

from . import export, selectors, services
from .models import CaseloadImport, ImportRow
from .views import csv_response

IMPORTERS_ONLY = "Only the clinic administrator and nurse specialists can import a caseload."
CSV = {(200, "text/csv"): OpenApiTypes.STR}


class ImportRowOutput(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = [
            "number",
            "child_name",
            "hospital_number",
            "outcome",
            "changes",
            "problems",
            "patient",
            "applied_outcome",
            "applied_problems",
            "applied_at",
        ]


class ImportOutput(serializers.ModelSerializer):
    team = serializers.CharField(source="team.code", read_only=True)
    counts = serializers.SerializerMethodField()
    # Not "error": every API refusal has that key, and a success must not look like one.
    stopped_because = serializers.CharField(source="error", read_only=True)

    class Meta:
        model = CaseloadImport
        fields = [
            "id",
            "team",
            "filename",
            "content_sha256",
            "status",
            "total_rows",
            "runs_as_job",
            "counts",
            "created_at",
            "planned_at",
            "applied_at",
            "stopped_because",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_counts(self, job: CaseloadImport) -> dict[str, int]:
        return services.import_counts(job)


class ImportDetailOutput(ImportOutput):
    rows = ImportRowOutput(many=True, read_only=True)

    class Meta(ImportOutput.Meta):
        fields = [*ImportOutput.Meta.fields, "rows"]


class UploadInput(serializers.Serializer):
    team = serializers.CharField(max_length=30, help_text="The team's code, e.g. nursing.")
    file = serializers.FileField()


class ApplyInput(serializers.Serializer):
    content_sha256 = serializers.CharField(max_length=64)


class CaseloadImportViewSet(viewsets.GenericViewSet):
    serializer_class = ImportOutput
    parser_classes = [MultiPartParser, FormParser, *viewsets.GenericViewSet.parser_classes]

    def get_queryset(self) -> Any:
        return selectors.imports_of(user=self.request.user)

    def _importer(self, request: Request) -> Any:
        user = request_user(request)
        refuse_unless(roles.can_import_caseload(user), IMPORTERS_ONLY)
        return user

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._importer(request)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ImportOutput(page, many=True).data)

    @extend_schema(request={"multipart/form-data": UploadInput}, responses={201: ImportDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self._importer(request)
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        team = Team.objects.filter(code=data.validated_data["team"]).first()
        if team is None:
            raise ValidationError({"team": "There is no team with this code."})
        upload = data.validated_data["file"]
        job = services.import_upload(actor=user, team=team, filename=upload.name, data=upload.read())
        return Response(self._detail(request, job), status=status.HTTP_201_CREATED)

    def _detail(self, request: Request, job: CaseloadImport) -> dict:
        rows = list(selectors.import_rows(job=job).select_related("patient"))
        patients = [row.patient for row in rows if row.patient is not None]
        if patients:
            access_record(request=request, patients=patients, what="caseload import", basis=access.ADMIN)
        return ImportDetailOutput(job).data

    @extend_schema(responses={200: ImportDetailOutput})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._detail(request, self.get_object()))

    @extend_schema(request=ApplyInput, responses={200: ImportDetailOutput})
    def apply(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        data = ApplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.import_apply(
            actor=request_user(request), job=job, content_sha256=data.validated_data["content_sha256"]
        )
        return Response(self._detail(request, job))

    @extend_schema(responses=CSV)
    def template(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        refuse_unless(roles.staff_role(request_user(request)) is not None, "The template is for staff.")
        return csv_response(export.template_csv(), "caseload-template.csv")


class CaseloadExportViewSet(viewsets.ViewSet):
    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, required=True, description="The team's code, e.g. nursing")
        ],
        responses=CSV,
    )
    def list(self, request: Request) -> HttpResponse:
        user = request_user(request)
        refuse_unless(roles.can_import_caseload(user), IMPORTERS_ONLY)
        code = request.query_params.get("team", "")
        if not code:
            raise ValidationError({"team": "Say which team's caseload to export (its code, e.g. nursing)."})
        team = selectors.import_teams(user).filter(code=code).first()
        if team is None:
            raise PermissionDenied(services.NOT_YOURS)
        patients = list(selectors.team_caseload(user=user, team=team))
        access_record(
            request=request,
            patients=patients,
            what="caseload export (CSV)",
            channel=AccessEvent.Channel.EXPORT,
            basis=access.ADMIN,
        )
        return csv_response(
            export.caseload_csv(patients), f"caseload-{team.code}-{timezone.localdate():%Y-%m-%d}.csv"
        )
