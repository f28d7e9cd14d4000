"""The caseload as an API: one row per child on the caller's caseload, most in need of attention first.

The rows are ``selectors.caseload_rows`` (scoped through access.caseload_patients: named-nurse and
care-team children), with the same fields the page shows: the clinical and administrative scores,
the reasons in words, the stage of every specialty track, current treatment and days since last
contact. The attention model is documented in apps/caseload/selectors/attention.py. Staff only (a
family gets a 403); the rows on the page are audited once per request. The query count is the same
for 3 children or 300.
"""

from typing import Any

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

from .selectors import WEIGHTS, CaseloadRow, Tier, caseload_rows, caseload_table

Stage = SpecialtyTrack.Stage


def _points(*keys: str) -> str:
    """The weight of a part, in the help text (from the one table of weights)."""
    parts = []
    for key in keys:
        weight = WEIGHTS[key]
        each = f" each, at most {weight.most_counted} counted" if weight.most_counted > 1 else ""
        parts.append(f"{weight.label}: +{weight.points}{each}, {weight.tier.label.lower()}")
    return "; ".join(parts) + "."


class AttentionPartsOutput(serializers.Serializer):
    open_relapse = serializers.SerializerMethodField(help_text=_points("open_relapse"))
    overdue_tasks = serializers.SerializerMethodField(
        help_text="Open tasks past due, except those another flag speaks for. " + _points("overdue_tasks")
    )
    unacknowledged_results = serializers.SerializerMethodField(
        help_text="Investigation results waiting for acknowledgement. "
        + _points("abnormal_results", "normal_results")
    )
    urgent_referral = serializers.SerializerMethodField(help_text=_points("urgent_referral"))
    stale_contact = serializers.SerializerMethodField(help_text=_points("stale_contact"))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_open_relapse(self, row: CaseloadRow) -> bool:
        return row.items["open_relapse"] > 0

    @extend_schema_field(OpenApiTypes.INT)
    def get_overdue_tasks(self, row: CaseloadRow) -> int:
        return row.items["overdue_tasks"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_unacknowledged_results(self, row: CaseloadRow) -> int:
        return row.items["abnormal_results"] + row.items["normal_results"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_urgent_referral(self, row: CaseloadRow) -> bool:
        return row.items["urgent_referral"] > 0

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale_contact(self, row: CaseloadRow) -> bool:
        return row.stale_contact


class ReasonOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(WEIGHTS), help_text="The flag (a key of the weights table).")
    tier = serializers.ChoiceField(choices=[t.name.lower() for t in Tier])
    text = serializers.CharField(help_text='In words, as on the page: "Symptoms reported 2 h ago".')

    def to_representation(self, instance: Any) -> dict[str, str]:
        return {"key": instance.key, "tier": instance.tier.name.lower(), "text": instance.text}


class _TrackStages(serializers.Serializer):
    def to_representation(self, instance: Any) -> dict[str, str]:  # {specialty: stage} of the tracks moved
        return {value: instance.get(value, Stage.NOT_INVOLVED) for value in Specialty.values}


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


class CaseloadRowOutput(serializers.Serializer):
    """One ``CaseloadRow``: the child, the scores and reasons, tracks, treatment and last contact."""

    id = serializers.IntegerField(source="patient.pk")
    given_name = serializers.CharField(source="patient.given_name")
    family_name = serializers.CharField(source="patient.family_name")
    hospital_number = serializers.CharField(source="patient.hospital_number")
    nhs_number = serializers.CharField(source="patient.nhs_number", allow_null=True)
    date_of_birth = serializers.DateField(source="patient.date_of_birth")
    age_display = serializers.CharField(source="patient.age_display")
    status = serializers.ChoiceField(source="patient.status", choices=Patient.Status.choices)
    named_nurse = serializers.IntegerField(source="patient.named_nurse_id", allow_null=True)
    attention = serializers.IntegerField(
        help_text="The needs-attention score: clinical urgency plus administrative backlog."
    )
    clinical_urgency = serializers.IntegerField(
        help_text="Rows sort by this first: any clinical item puts a child above every administrative-only one."
    )
    administrative_backlog = serializers.IntegerField(help_text="Rows sort by this second.")
    attention_parts = AttentionPartsOutput(source="*")
    reasons = ReasonOutput(many=True, help_text="Each raised flag in words, most urgent first.")
    tracks = TrackStagesOutput(source="patient.track_stages")
    current_courses = CurrentCourseOutput(
        many=True, source="patient.current_courses", help_text="Planned, active or weaning."
    )
    last_contact = serializers.DateField(
        allow_null=True, help_text="The last clinical contact on record; null when there is none."
    )
    days_since_contact = serializers.IntegerField(allow_null=True)


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
        """My caseload: clinical urgency first, then administrative backlog, then by name."""
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
        page = self.paginate_queryset(rows) or []  # ordered and paged by the stored scores
        access_record(request=request, patients=page, what="caseload")
        table = caseload_table(page, user=user)  # the flags of this page's children only
        return self.get_paginated_response(CaseloadRowOutput(table, many=True).data)
