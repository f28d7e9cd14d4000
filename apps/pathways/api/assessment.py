"""The diagnostic assessment: the four criteria (list, record) and the OMS status, aetiology and dates."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless

from .. import services
from ..models import DiagnosticAssessment, DiagnosticCriterion
from ._base import PathwayChildViewSet, PathwayPatientViewSet


class CriterionOutput(serializers.ModelSerializer):
    criterion_label = serializers.CharField(source="get_criterion_display", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", read_only=True)

    class Meta:
        model = DiagnosticCriterion
        fields = [
            "id",
            "criterion",
            "criterion_label",
            "present",
            "observed_on",
            "note",
            "incomplete_search_reason",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]


class CriterionInput(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=DiagnosticCriterion.Criterion.choices)
    present = serializers.BooleanField()
    observed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    incomplete_search_reason = serializers.CharField(required=False, allow_blank=True, max_length=250)


class AssessmentOutput(serializers.ModelSerializer):
    class Meta:
        model = DiagnosticAssessment
        fields = [
            "patient",
            "oms_status",
            "aetiology",
            "onset_date",
            "diagnosis_date",
            "updated_at",
            "updated_by",
        ]


class AssessmentInput(serializers.Serializer):
    """Every field is optional; a field left out is left as it is."""

    oms_status = serializers.ChoiceField(choices=DiagnosticAssessment.OmsStatus.choices, required=False)
    aetiology = serializers.ChoiceField(choices=DiagnosticAssessment.Aetiology.choices, required=False)
    onset_date = serializers.DateField(required=False)
    diagnosis_date = serializers.DateField(required=False)


class CriterionViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    serializer_class = CriterionOutput
    audit_what = "diagnostic criteria"

    def get_queryset(self) -> QuerySet[DiagnosticCriterion]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no patient
            return DiagnosticCriterion.objects.none()
        return (
            DiagnosticCriterion.objects.filter(assessment__patient=self.get_patient())
            .select_related("recorded_by")
            .order_by("criterion")
        )

    @extend_schema(request=CriterionInput, responses={201: CriterionOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record (or re-record) one criterion as present or absent."""
        patient = self.get_patient()
        refuse_unless(
            roles.can_record_diagnosis(request_user(request)),
            "Only a consultant can record diagnostic criteria.",
        )
        data = CriterionInput(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = services.assessment_record_criterion(
            actor=request_user(request), patient=patient, **data.validated_data
        )
        return Response(CriterionOutput(criterion).data, status=status.HTTP_201_CREATED)


class AssessmentViewSet(PathwayPatientViewSet):
    serializer_class = AssessmentOutput

    def get_queryset(self) -> QuerySet[DiagnosticAssessment]:
        return DiagnosticAssessment.objects.none()  # one row per child, reached through the child

    @extend_schema(request=AssessmentInput, responses={200: AssessmentOutput})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Set the OMS status, aetiology, onset and diagnosis dates. Confirming needs 3 of 4 criteria."""
        patient = self.get_patient()
        refuse_unless(
            roles.can_record_diagnosis(request_user(request)), "Only a consultant can change the diagnosis."
        )
        data = AssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_update(
            actor=request_user(request), patient=patient, **data.validated_data
        )
        return Response(AssessmentOutput(assessment).data)
