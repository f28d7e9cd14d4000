"""Review policies and the overdue re-evaluations report (staff only; a family gets a 403).

The report is ``selectors.overdue_reviews``: every child the caller may see who is past a review's due
date with no assessment booked, longest overdue first. The children on the page are audited.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.audit.services import access_record

from .. import selectors
from ..models import Appointment, ReviewPolicy
from ._base import SchedulingViewSet


class ReviewPolicyOutput(serializers.ModelSerializer):
    target_team_name = serializers.CharField(source="target_team.name", read_only=True)
    appointment_kind_label = serializers.CharField(source="get_appointment_kind_display", read_only=True)

    class Meta:
        model = ReviewPolicy
        fields = [
            "id",
            "name",
            "target_team",
            "target_team_name",
            "appointment_kind",
            "appointment_kind_label",
            "baseline_within_months",
            "interval_months",
            "lead_time_days",
            "is_active",
        ]


class OverdueReviewOutput(serializers.Serializer):
    """One child past a review's due date with no assessment booked (a ``selectors.OverdueReview``)."""

    patient = serializers.IntegerField(source="patient.pk")
    patient_name = serializers.CharField(source="patient.full_name")
    hospital_number = serializers.CharField(source="patient.hospital_number")
    policy = serializers.IntegerField(source="policy.pk")
    policy_name = serializers.CharField(source="policy.name")
    appointment_kind = serializers.ChoiceField(
        source="policy.appointment_kind", choices=Appointment.Kind.choices
    )
    due_on = serializers.DateField()
    days_overdue = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_overdue(self, row: selectors.OverdueReview) -> int:
        return row.days_overdue


class ReviewPolicyViewSet(SchedulingViewSet):
    """/review-policies/: the policies that say when a child is due a review."""

    serializer_class = ReviewPolicyOutput

    def get_queryset(self) -> QuerySet[ReviewPolicy]:
        # Policies are configuration, not a child's record: nothing to scope or audit.
        return ReviewPolicy.objects.select_related("target_team").order_by("-is_active", "name")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every review policy, active first."""
        self.staff(request, "Review policies are for staff.")
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response(ReviewPolicyOutput(page, many=True).data)


class OverdueReviewViewSet(SchedulingViewSet):
    """/reviews/overdue/: the overdue re-evaluations report."""

    serializer_class = OverdueReviewOutput

    @extend_schema(filters=False)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Children past a review's due date with no assessment booked, longest overdue first."""
        user = self.staff(request, "The overdue report is for staff.")
        page = self.paginate_queryset(selectors.overdue_reviews(user=user)) or []
        access_record(request=request, patients={row.patient for row in page}, what="overdue re-evaluations")
        return self.get_paginated_response(OverdueReviewOutput(page, many=True).data)
