"""Watch periods over the API: /api/v1/patients/<patient_pk>/watch/ (the child's watches with their
events), and open/, extend/, end/ for a nurse specialist or consultant on the care team. The child
comes from ``patient_get`` (404); a family, or staff who may not change the watch, get 403. Reads are
audited."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.errors import ApplicationError, refuse_unless

from . import selectors, services
from .models import WatchEvent, WatchPeriod

STAFF_ONLY = "Watch periods are the care team's."


class EventOutput(serializers.ModelSerializer):
    trigger = serializers.CharField(source="trigger.code", default=None, allow_null=True)
    actor_name = serializers.CharField(source="actor.full_name", default=None, allow_null=True)

    class Meta:
        model = WatchEvent
        fields = ["kind", "trigger", "actor", "actor_name", "reason", "from_ends_on", "to_ends_on", "at"]


class WatchOutput(serializers.ModelSerializer):
    trigger = serializers.CharField(source="trigger.code")
    events = EventOutput(many=True, read_only=True)

    class Meta:
        model = WatchPeriod
        fields = [
            "id",
            "patient",
            "status",
            "trigger",
            "reason",
            "starts_on",
            "ends_on",
            "ended_on",
            "events",
        ]


class OpenInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=services.MOST_DAYS)
    reason = serializers.CharField(max_length=services.REASON_MAX)


class EndInput(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class PatientWatchViewSet(viewsets.GenericViewSet):
    serializer_class = WatchOutput
    queryset = WatchPeriod.objects.none()  # names the model; rows come from the child
    pagination_class = None

    def _patient(self, request: Request) -> Patient:
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])
        refuse_unless(roles.staff_role(request_user(request)) is not None, STAFF_ONLY)
        return patient

    def _manager(self, request: Request) -> Patient:
        patient = self._patient(request)
        refuse_unless(services.can_manage_watch(request_user(request), patient), services.MANAGERS_ONLY)
        return patient

    def _current(self, patient: Patient) -> WatchPeriod:
        watch = selectors.open_watch(patient.pk, services.watch_today())
        if watch is None:
            raise ApplicationError.stale("There is no open watch for this child.")
        return watch

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self._patient(request)
        access_record(request=request, patients=patient, what="watch periods")
        return Response(WatchOutput(selectors.history_of(patient.pk), many=True).data)

    @extend_schema(request=OpenInput, responses={201: WatchOutput})
    @action(detail=False, methods=["post"])
    def open(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self._manager(request)
        data = OpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        watch = services.watch_open(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(WatchOutput(watch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OpenInput, responses=WatchOutput)
    @action(detail=False, methods=["post"])
    def extend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self._manager(request)
        data = OpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        watch = services.watch_extend(
            actor=request_user(request), watch=self._current(patient), **data.validated_data
        )
        return Response(WatchOutput(watch).data)

    @extend_schema(request=EndInput, responses=WatchOutput)
    @action(detail=False, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self._manager(request)
        data = EndInput(data=request.data)
        data.is_valid(raise_exception=True)
        watch = services.watch_end(
            actor=request_user(request), watch=self._current(patient), **data.validated_data
        )
        return Response(WatchOutput(watch).data)
