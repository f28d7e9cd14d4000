"""The emergency plan over the API (/api/v1/patients/<id>/emergency-plan/): a staff read of the plan's
status and versions, with the content of the draft and of the approved version. Families read their
child's plan in the portal (the API has no family view: a draft is never theirs)."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.access import clinical_record_patients
from apps.patients.models import Patient

from . import selectors
from .models import PlanVersion


class VersionOutput(serializers.ModelSerializer):
    prepared_by_name = serializers.CharField(source="prepared_by.full_name", read_only=True)
    approved_by_name = serializers.CharField(source="approved_by.full_name", default="", read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "number",
            "status",
            "prepared_by",
            "prepared_by_name",
            "prepared_at",
            "approved_by",
            "approved_by_name",
            "approved_at",
            "note",
            "content",
        ]


class EmergencyPlanOutput(serializers.Serializer):
    patient = serializers.IntegerField()
    needs_review = serializers.BooleanField()
    review_reason = serializers.CharField()
    approved = VersionOutput(allow_null=True)
    draft = VersionOutput(allow_null=True)
    versions = VersionOutput(many=True)


class EmergencyPlanViewSet(viewsets.ViewSet):
    @extend_schema(responses=EmergencyPlanOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        patient = clinical_record_patients(user).filter(pk=pk).first()
        if not isinstance(patient, Patient):
            raise Http404
        plan = selectors.plan_of(patient)
        if plan is None:
            raise Http404
        access_record(request=request, patients=patient, what="emergency plan")
        versions = list(selectors.versions_of(plan))
        data: dict[str, Any] = {
            "patient": patient.pk,
            "needs_review": plan.needs_review,
            "review_reason": plan.review_reason,
            "approved": next((v for v in versions if v.status == PlanVersion.Status.APPROVED), None),
            "draft": next((v for v in versions if v.status == PlanVersion.Status.DRAFT), None),
            "versions": versions,
        }
        return Response(EmergencyPlanOutput(data).data)
