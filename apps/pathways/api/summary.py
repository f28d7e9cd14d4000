"""The pathway at a glance, and the child's timeline."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors
from ..models import DiagnosticAssessment, DiagnosticCriterion, Specialty
from ..selectors import PathwaySummary
from ..timeline import timeline_for
from ._base import PathwayPatientViewSet
from .assessment import CriterionOutput
from .courses import CourseOutput
from .scores import ScoreBriefOutput
from .tracks import TrackOutput
from .tumours import TumourOutput


class PathwaySummaryOutput(serializers.Serializer):
    patient = serializers.IntegerField(source="patient.pk")
    criteria_met = serializers.IntegerField(help_text="How many of the four criteria are present.")
    criteria_total = serializers.SerializerMethodField()
    criteria = CriterionOutput(many=True)
    # A child with nothing recorded yet has no assessment row: the defaults describe that.
    oms_status = serializers.ChoiceField(
        source="assessment.oms_status",
        choices=DiagnosticAssessment.OmsStatus.choices,
        default=DiagnosticAssessment.OmsStatus.SUSPECTED,
    )
    aetiology = serializers.ChoiceField(
        source="assessment.aetiology",
        choices=DiagnosticAssessment.Aetiology.choices,
        default=DiagnosticAssessment.Aetiology.UNKNOWN,
    )
    onset_date = serializers.DateField(source="assessment.onset_date", default=None, allow_null=True)
    diagnosis_date = serializers.DateField(source="assessment.diagnosis_date", default=None, allow_null=True)
    tumours = TumourOutput(many=True)
    current_courses = CourseOutput(many=True, help_text="Planned, active or weaning.")
    last_score = ScoreBriefOutput(allow_null=True)
    relapse_count = serializers.SerializerMethodField()
    open_items = serializers.ListField(child=serializers.CharField())
    tracks = TrackOutput(many=True)

    def get_criteria_total(self, summary: PathwaySummary) -> int:
        return len(DiagnosticCriterion.Criterion)

    def get_relapse_count(self, summary: PathwaySummary) -> int:
        return len(summary.relapses)


class TimelineEntryOutput(serializers.Serializer):
    kind = serializers.CharField()
    day = serializers.DateField()
    at = serializers.DateTimeField(allow_null=True)
    actor = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField()
    specialty = serializers.ChoiceField(choices=Specialty.choices)


class TimelineQuery(serializers.Serializer):
    specialty = serializers.ChoiceField(choices=Specialty.choices, required=False)


class PathwayViewSet(PathwayPatientViewSet):
    serializer_class = PathwaySummaryOutput
    audit_what = "pathway summary"

    def get_queryset(self) -> Any:
        return DiagnosticAssessment.objects.none()  # the summary is built by selectors.pathway_summary

    @extend_schema(responses={200: PathwaySummaryOutput})
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Criteria, diagnosis, tumours, current courses, last score, relapses, open items and tracks."""
        summary = selectors.pathway_summary(patient=self.get_patient(), with_family_layers=False)
        self.audit(request)
        return Response(PathwaySummaryOutput(summary).data)


class TimelineViewSet(PathwayPatientViewSet):
    """The timeline is merged in Python from every registered source, not one queryset, so there is
    nothing for django-filter to filter: ``specialty`` is validated by TimelineQuery and applied by
    ``timeline_for``."""

    serializer_class = TimelineEntryOutput
    audit_what = "timeline"

    def get_queryset(self) -> Any:
        return DiagnosticAssessment.objects.none()  # entries come from timeline_for(), newest first

    @extend_schema(parameters=[TimelineQuery])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Everything that happened on the child's pathway, newest first, optionally for one specialty."""
        patient = self.get_patient()
        query = TimelineQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = timeline_for(patient, specialty=query.validated_data.get("specialty", ""))
        page = self.paginate_queryset(entries) or []
        self.audit(request)
        return self.get_paginated_response(TimelineEntryOutput(page, many=True).data)
