"""The caseload as an API: one row per child on the caller's caseload, most in need of attention first.

The rows are ``selectors.caseload_rows`` (scoped through access.caseload_patients: named-nurse and
care-team children), with the same fields the page shows: the needs-attention score and each of its
parts, the stage of every specialty track, current treatment and days since last contact. The score is
documented in apps/caseload/selectors.py. Staff only (a family gets a 403); the rows on the page are
audited once per request. The query count is the same for 3 children or 300.
"""

from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.pathways.models import Specialty, SpecialtyTrack, TreatmentCourse
from apps.patients.models import Patient
from carecoord.errors import refuse_unless

from .selectors import STALE_CONTACT_DAYS, caseload_rows, days_since

if TYPE_CHECKING:
    from .selectors import CaseloadPatient

Stage = SpecialtyTrack.Stage


def _stale_contact(patient: "CaseloadPatient") -> bool:
    """As on the page: an active child with no contact on record, or none for 60 days."""
    days = days_since(patient.last_contact)
    return patient.status == Patient.Status.ACTIVE and (days is None or days > STALE_CONTACT_DAYS)


class AttentionPartsOutput(serializers.Serializer):
    open_relapse = serializers.BooleanField(help_text="A relapse not yet resolved (+40).")
    overdue_tasks = serializers.IntegerField(help_text="Open tasks past due (+15 each, at most 3 counted).")
    unacknowledged_results = serializers.IntegerField(
        help_text="Investigation results waiting for acknowledgement (+10 each, at most 3 counted)."
    )
    urgent_referral = serializers.BooleanField(
        help_text="An urgent or emergency referral awaiting triage (+20)."
    )
    stale_contact = serializers.SerializerMethodField(
        help_text=f"Active, with no contact recorded in {STALE_CONTACT_DAYS} days (+10)."
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale_contact(self, patient: "CaseloadPatient") -> bool:
        return _stale_contact(patient)


class _TrackStages(serializers.Serializer):
    def to_representation(self, instance: Any) -> dict[str, str]:
        stages = {track.specialty: track.stage for track in instance}
        return {value: stages.get(value, Stage.NOT_INVOLVED) for value in Specialty.values}


# {specialty: stage} for all seven specialties; one never moved is not involved.
TrackStagesOutput = type(
    "TrackStagesOutput",
    (_TrackStages,),
    {
        value: serializers.ChoiceField(choices=Stage.choices, help_text=label)
        for value, label in Specialty.choices
    },
)


class CurrentCourseOutput(serializers.ModelSerializer):
    class Meta:
        model = TreatmentCourse
        fields = ["id", "label", "status"]


class CaseloadRowOutput(serializers.ModelSerializer):
    age_display = serializers.CharField(read_only=True)
    attention = serializers.IntegerField(help_text="The needs-attention score: the sum of its parts.")
    attention_parts = AttentionPartsOutput(source="*")
    tracks = TrackStagesOutput(source="tracks.all")
    current_courses = CurrentCourseOutput(many=True, help_text="Planned, active or weaning.")
    last_contact = serializers.SerializerMethodField(
        help_text="The last clinical contact on record; null when there is none."
    )
    days_since_contact = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "given_name",
            "family_name",
            "hospital_number",
            "nhs_number",
            "date_of_birth",
            "age_display",
            "status",
            "named_nurse",
            "attention",
            "attention_parts",
            "tracks",
            "current_courses",
            "last_contact",
            "days_since_contact",
        ]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_last_contact(self, patient: "CaseloadPatient") -> Any:
        return patient.last_contact if days_since(patient.last_contact) is not None else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_since_contact(self, patient: "CaseloadPatient") -> int | None:
        return days_since(patient.last_contact)


class CaseloadQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text="Name, NHS or hospital number.")
    status = serializers.ChoiceField(choices=Patient.Status.choices, required=False)
    attention = serializers.BooleanField(
        required=False, default=False, help_text="Only children scoring > 0."
    )


class CaseloadViewSet(viewsets.GenericViewSet):
    serializer_class = CaseloadRowOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return Patient.objects.none()  # rows come from caseload_rows(), which needs the query

    @extend_schema(parameters=[CaseloadQuery])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """My caseload, most in need of attention first, then by name."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "The caseload is for staff.")
        query = CaseloadQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        rows = caseload_rows(
            user=user,
            query=filters.get("q", ""),
            status=filters.get("status", ""),
            attention_only=filters["attention"],
        )
        page = self.paginate_queryset(rows) or []
        access_record(request=request, patients=page, what="caseload")
        return self.get_paginated_response(CaseloadRowOutput(page, many=True).data)
