"""Treatment series (staff only): a child's series and creating one with all its appointments, one
series with its occurrences, moving one occurrence or it and all following, and stopping the rest.

Out of scope first: anyone who cannot see the child (another family, staff off the care team) gets a
404, exactly like a missing series. Then the role: a family gets a 403 for their own child's series.
Reads are audited once per request.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Team, User
from apps.accounts.selectors import staff_members
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.pathways.models import TreatmentCourse
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from carecoord.clock import LondonDateTimeApiField

from .. import selectors, services
from ..models import Appointment, TreatmentSeries
from ._base import SchedulingViewSet

# --- Output ---------------------------------------------------------------------------------------


class SeriesOutput(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    clinician_name = serializers.CharField(
        source="clinician.full_name", read_only=True, default=None, allow_null=True
    )
    remaining = serializers.SerializerMethodField(help_text="Occurrences still booked or confirmed.")

    class Meta:
        model = TreatmentSeries
        fields = [
            "id",
            "patient",
            "course",
            "title",
            "kind",
            "kind_label",
            "interval_days",
            "count",
            "first_starts_at",
            "duration_minutes",
            "team",
            "team_name",
            "clinician",
            "clinician_name",
            "location",
            "preparation_notes",
            "status",
            "remaining",
            "created_by",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_remaining(self, series: TreatmentSeries) -> int:
        return sum(1 for a in series.appointments.all() if a.status in Appointment.ACTIVE_STATUSES)


class OccurrenceOutput(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = [
            "id",
            "series_index",
            "starts_at",
            "ends_at",
            "status",
            "cancelled_by",
            "cancel_reason",
            "clash_override_reason",
            "sequence",
        ]


class SeriesDetailOutput(SeriesOutput):
    occurrences = OccurrenceOutput(source="appointments.all", many=True, read_only=True)

    class Meta(SeriesOutput.Meta):
        fields = [*SeriesOutput.Meta.fields, "occurrences"]


# --- Input ----------------------------------------------------------------------------------------


class SeriesInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, max_length=150, help_text="e.g. 'IVIG every 4 weeks'.")
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices, default=Appointment.Kind.INFUSION)
    interval_days = serializers.IntegerField(min_value=1, max_value=365)
    count = serializers.IntegerField(min_value=1, max_value=52)
    first_starts_at = LondonDateTimeApiField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, default=240)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    clinician = serializers.PrimaryKeyRelatedField(queryset=staff_members(), required=False, allow_null=True)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    preparation_notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown to the family."
    )
    course = serializers.PrimaryKeyRelatedField(
        queryset=TreatmentCourse.objects.none(),
        required=False,
        allow_null=True,
        help_text="One of this child's treatment courses; when it ends, the rest of the series is cancelled.",
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Book every occurrence despite clashes, and say why.",
    )

    def __init__(self, *args: Any, patient: Patient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if patient is not None:
            self.fields["course"].queryset = TreatmentCourse.objects.filter(patient=patient)  # type: ignore[attr-defined]


class SeriesMoveInput(serializers.Serializer):
    appointment = serializers.IntegerField(help_text="The occurrence to move.")
    starts_at = LondonDateTimeApiField(help_text="Its new start; its length stays the same.")
    and_following = serializers.BooleanField(
        default=False, help_text="Move every later booked occurrence by the same amount too."
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class SeriesStopInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the course stopped.")


# --- Views ----------------------------------------------------------------------------------------


def _series_of(patient: Patient) -> QuerySet[TreatmentSeries]:
    """The child's series with their occurrences, and the names the output shows."""
    return selectors.series_of(patient=patient).select_related("team", "clinician")


class PatientSeriesViewSet(SchedulingViewSet):
    """/patients/{patient_pk}/series/: a child's treatment series, and creating one."""

    serializer_class = SeriesOutput

    @extend_schema(filters=False)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's series, newest first."""
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])
        self.staff(request, "Treatment series are for staff.")
        page = self.paginate_queryset(_series_of(patient)) or []
        access_record(request=request, patients=patient, what="treatment series")
        return self.get_paginated_response(SeriesOutput(page, many=True).data)

    @extend_schema(request=SeriesInput, responses={201: SeriesDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a series and book every occurrence, all or nothing: a clash anywhere refuses the lot
        unless ``override_reason`` is given."""
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])
        user = self.staff(request, "Only staff can book treatment series.")
        data = SeriesInput(data=request.data, patient=patient)
        data.is_valid(raise_exception=True)
        series = services.series_create(actor=user, patient=patient, **data.validated_data)
        detail = _series_of(patient).get(pk=series.pk)
        return Response(SeriesDetailOutput(detail).data, status=status.HTTP_201_CREATED)


class SeriesViewSet(SchedulingViewSet):
    """/series/{id}/: one series with its occurrences; move and stop."""

    serializer_class = SeriesDetailOutput

    def _detail(self, series: TreatmentSeries) -> dict:
        return SeriesDetailOutput(_series_of(series.patient).get(pk=series.pk)).data

    def _series(self, request: Request, message: str) -> tuple[User, TreatmentSeries]:
        """The series of a child the caller can see (404 otherwise), then the caller, who must be staff."""
        series = selectors.series_get(user=request_user(request), pk=self.kwargs["pk"])
        return self.staff(request, message), series

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, series = self._series(request, "Treatment series are for staff.")
        access_record(request=request, patients=series.patient, what="treatment series")
        return Response(self._detail(series))

    @extend_schema(request=SeriesMoveInput, responses={200: SeriesDetailOutput})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move one occurrence, or it and every later booked one by the same amount. A clash is a 400
        with code clash unless ``override_reason`` is given."""
        user, series = self._series(request, "Only staff can move treatment series.")
        data = SeriesMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        occurrence = series.appointments.filter(pk=fields.pop("appointment")).first()
        if occurrence is None:
            raise serializers.ValidationError({"appointment": ["Choose an occurrence of this series."]})
        services.series_move(actor=user, appointment=occurrence, **fields)
        return Response(self._detail(series))

    @extend_schema(request=SeriesStopInput, responses={200: SeriesDetailOutput})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel the future occurrences (the family is sent a notice for each) and end the series."""
        user, series = self._series(request, "Only staff can stop treatment series.")
        data = SeriesStopInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.series_stop(actor=user, series=series, **data.validated_data)
        return Response(self._detail(series))
