"""Investigations: request, book, mark done, record the result, acknowledge it, or cancel."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless

from .. import services
from ..models import Investigation
from ._base import PathwayChildViewSet


class InvestigationOutput(serializers.ModelSerializer):
    requested_by_name = serializers.CharField(source="requested_by.full_name", read_only=True)
    acknowledged_by_name = serializers.CharField(
        source="acknowledged_by.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Investigation
        fields = [
            "id",
            "kind",
            "label",
            "description",
            "status",
            "requested_by",
            "requested_by_name",
            "requested_on",
            "booked_for",
            "done_on",
            "resulted_at",
            "result_summary",
            "abnormal",
            "acknowledged_by",
            "acknowledged_by_name",
            "acknowledged_at",
            "cancel_reason",
        ]


class InvestigationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Investigation.Kind.choices)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="What exactly, when the kind is other."
    )
    requested_on = serializers.DateField(required=False, help_text="Today when left out.")


class BookInput(serializers.Serializer):
    booked_for = serializers.DateField()


class DoneInput(serializers.Serializer):
    done_on = serializers.DateField()


class ResultInput(serializers.Serializer):
    result_summary = serializers.CharField(allow_blank=True)
    abnormal = serializers.BooleanField()
    done_on = serializers.DateField(required=False, help_text="When it was done, if not marked done yet.")


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=300)


Step = Callable[..., Investigation]


class InvestigationViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    serializer_class = InvestigationOutput
    audit_what = "investigations"
    filterset_fields = ["status", "kind"]

    def get_queryset(self) -> QuerySet[Investigation]:
        if getattr(self, "swagger_fake_view", False):
            return Investigation.objects.none()
        return (
            Investigation.objects.filter(patient=self.get_patient())
            .select_related("requested_by", "acknowledged_by")
            .order_by("-requested_on", "-id")
        )

    @extend_schema(request=InvestigationInput, responses={201: InvestigationOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(
            roles.can_manage_investigations(request_user(request)),
            "Your role cannot request investigations.",
        )
        data = InvestigationInput(data=request.data)
        data.is_valid(raise_exception=True)
        investigation = services.investigation_request(
            actor=request_user(request), patient=patient, **data.validated_data
        )
        return Response(InvestigationOutput(investigation).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, service: Step, body: type[serializers.Serializer] | None) -> Response:
        """Move one investigation on: resolve it in scope, check the role, validate, call the service."""
        investigation = self.get_object()
        refuse_unless(
            roles.can_manage_investigations(request_user(request)),
            "Your role cannot update investigations.",
        )
        fields: dict[str, Any] = {}
        if body is not None:
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
        investigation = service(actor=request_user(request), investigation=investigation, **fields)
        return Response(InvestigationOutput(investigation).data)

    @extend_schema(request=BookInput, responses={200: InvestigationOutput})
    @action(detail=True, methods=["post"])
    def book(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._step(request, services.investigation_book, BookInput)

    @extend_schema(request=DoneInput, responses={200: InvestigationOutput})
    @action(detail=True, methods=["post"])
    def done(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._step(request, services.investigation_mark_done, DoneInput)

    @extend_schema(request=ResultInput, responses={200: InvestigationOutput})
    @action(detail=True, methods=["post"])
    def result(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record the result; a requested or booked investigation is marked done first."""
        return self._step(request, services.investigation_record_result, ResultInput)

    @extend_schema(request=None, responses={200: InvestigationOutput})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Confirm the result was seen and acted on."""
        return self._step(request, services.investigation_acknowledge, None)

    @extend_schema(request=CancelInput, responses={200: InvestigationOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._step(request, services.investigation_cancel, CancelInput)
