"""Relapses: record one, then the response to it and when it resolved."""

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
from ..models import Relapse, TreatmentCourse
from ._base import PathwayChildViewSet


class ChildCourseField(serializers.PrimaryKeyRelatedField):
    """A treatment course of the child in ``context["patient"]``; any other id does not exist."""

    def get_queryset(self) -> QuerySet[TreatmentCourse]:
        return TreatmentCourse.objects.filter(patient=self.context["patient"])


class RelapseOutput(serializers.ModelSerializer):
    recorded_by_name = serializers.CharField(source="recorded_by.full_name", read_only=True)

    class Meta:
        model = Relapse
        fields = [
            "id",
            "onset_date",
            "trigger",
            "trigger_detail",
            "severity",
            "response",
            "response_course",
            "resolved_on",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]


class RelapseInput(serializers.Serializer):
    onset_date = serializers.DateField()
    severity = serializers.ChoiceField(choices=Relapse.Severity.choices)
    trigger = serializers.ChoiceField(choices=Relapse.Trigger.choices, required=False)
    trigger_detail = serializers.CharField(required=False, allow_blank=True, max_length=200)
    response = serializers.CharField(required=False, allow_blank=True)
    response_course = ChildCourseField(queryset=TreatmentCourse.objects.all(), required=False)


class RelapseUpdateInput(serializers.Serializer):
    """Every field is optional; a field left out is left as it is."""

    response = serializers.CharField(required=False, allow_blank=True)
    response_course = ChildCourseField(queryset=TreatmentCourse.objects.all(), required=False)
    resolved_on = serializers.DateField(required=False)


class RelapseViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    serializer_class = RelapseOutput
    audit_what = "relapses"

    def get_queryset(self) -> QuerySet[Relapse]:
        if getattr(self, "swagger_fake_view", False):
            return Relapse.objects.none()
        return (
            Relapse.objects.filter(patient=self.get_patient())
            .select_related("recorded_by")
            .order_by("onset_date", "id")
        )

    @extend_schema(request=RelapseInput, responses={201: RelapseOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(roles.can_record_relapse(request_user(request)), "Your role cannot record relapses.")
        data = RelapseInput(data=request.data, context={"patient": patient})
        data.is_valid(raise_exception=True)
        relapse = services.relapse_record(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(RelapseOutput(relapse).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RelapseUpdateInput, responses={200: RelapseOutput})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        relapse = self.get_object()
        refuse_unless(roles.can_record_relapse(request_user(request)), "Your role cannot update relapses.")
        data = RelapseUpdateInput(data=request.data, context={"patient": self.get_patient()})
        data.is_valid(raise_exception=True)
        relapse = services.relapse_update(actor=request_user(request), relapse=relapse, **data.validated_data)
        return Response(RelapseOutput(relapse).data)
