"""Tumour records: the site, INRG stage, detection and resection, and the oncology status."""

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
from ..models import Tumour
from ._base import PathwayChildViewSet


class TumourOutput(serializers.ModelSerializer):
    class Meta:
        model = Tumour
        fields = [
            "id",
            "site",
            "inrg_stage",
            "detected_on",
            "resected_on",
            "surgical_outcome",
            "oncology_status",
            "recorded_by",
        ]


class TumourInput(serializers.Serializer):
    site = serializers.CharField(max_length=150, allow_blank=True)
    inrg_stage = serializers.ChoiceField(choices=Tumour.InrgStage.choices, required=False, allow_blank=True)
    detected_on = serializers.DateField()
    resected_on = serializers.DateField(required=False, allow_null=True)
    surgical_outcome = serializers.CharField(required=False, allow_blank=True, max_length=300)
    oncology_status = serializers.ChoiceField(choices=Tumour.OncologyStatus.choices, required=False)


class TumourViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    serializer_class = TumourOutput
    audit_what = "tumours"

    def get_queryset(self) -> QuerySet[Tumour]:
        if getattr(self, "swagger_fake_view", False):
            return Tumour.objects.none()
        return Tumour.objects.filter(patient=self.get_patient()).order_by("-detected_on", "-id")

    @extend_schema(request=TumourInput, responses={201: TumourOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(
            roles.can_manage_tumour(request_user(request)),
            "Only a consultant or surgeon can record a tumour.",
        )
        data = TumourInput(data=request.data)
        data.is_valid(raise_exception=True)
        tumour = services.tumour_record(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(TumourOutput(tumour).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TumourInput, responses={200: TumourOutput})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tumour = self.get_object()
        refuse_unless(
            roles.can_manage_tumour(request_user(request)),
            "Only a consultant or surgeon can update a tumour record.",
        )
        data = TumourInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tumour = services.tumour_update(actor=request_user(request), tumour=tumour, **data.validated_data)
        return Response(TumourOutput(tumour).data)
