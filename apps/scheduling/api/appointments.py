"""Appointments: a child's list and booking, one appointment with its history, each status change as an
action, and the clinic list for a day.

A child is resolved through ``patient_get`` and an appointment through ``selectors.appointment_get``, so
anyone out of scope gets a 404, exactly like a missing one. A family sees their own child's
family-visible appointments only, in ``FamilyAppointmentOutput``: no internal notes, no override reason,
no history. A family may confirm; every other write and the clinic list are for staff (403).
Reads are audited once per request.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.selectors import staff_members
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.selectors import patient_get
from apps.referrals.selectors import referral_get
from carecoord import filters
from carecoord.clock import LondonDateTimeApiField

from .. import selectors, services
from ..models import Appointment, AppointmentEvent
from ._base import SchedulingViewSet

# --- Output ---------------------------------------------------------------------------------------


class FamilyAppointmentOutput(serializers.ModelSerializer):
    """What a family may see: type, time, place, status and the preparation notes written for them."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    clinician_name = serializers.CharField(
        source="clinician.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "kind",
            "kind_label",
            "team",
            "team_name",
            "clinician",
            "clinician_name",
            "location",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "preparation_notes",
            "cancelled_by",
        ]


class AppointmentOutput(FamilyAppointmentOutput):
    """The staff view of an appointment, with the internal notes."""

    class Meta(FamilyAppointmentOutput.Meta):
        fields = [
            *FamilyAppointmentOutput.Meta.fields,
            "family_visible",
            "internal_notes",
            "cancel_reason",
            "clash_override_reason",
            "referral",
            "series",
            "series_index",
            "sequence",
            "created_by",
            "created_at",
        ]


class AppointmentEventOutput(serializers.ModelSerializer):
    actor_name = serializers.CharField(
        source="actor.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = AppointmentEvent
        fields = ["kind", "actor", "actor_name", "at", "previous_starts_at", "note"]


class AppointmentDetailOutput(AppointmentOutput):
    events = AppointmentEventOutput(many=True, read_only=True, help_text="The history, oldest first.")

    class Meta(AppointmentOutput.Meta):
        fields = [*AppointmentOutput.Meta.fields, "events"]


class ClinicRowOutput(AppointmentOutput):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    hospital_number = serializers.CharField(source="patient.hospital_number", read_only=True)

    class Meta(AppointmentOutput.Meta):
        fields = [*AppointmentOutput.Meta.fields, "patient_name", "hospital_number"]


def _for_caller(name: str, staff: type[serializers.Serializer]) -> PolymorphicProxySerializer:
    """The schema of an answer that depends on who asks: staff get ``staff``, a family the family view."""
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[staff, FamilyAppointmentOutput],
        resource_type_field_name=None,
    )


# --- Input ----------------------------------------------------------------------------------------


class AppointmentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices)
    starts_at = LondonDateTimeApiField()
    ends_at = LondonDateTimeApiField()
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    clinician = serializers.PrimaryKeyRelatedField(queryset=staff_members(), required=False, allow_null=True)
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    preparation_notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Shown to the family."
    )
    internal_notes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Staff only; never shown to the family."
    )
    family_visible = serializers.BooleanField(
        required=False, default=True, help_text="Shown in the family's portal and calendar feed."
    )
    referral = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The referral this books, which moves to booked; 404 unless the caller can see it.",
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Book despite a clash (a 400 with code clash otherwise), and say why.",
    )


class AppointmentMoveInput(serializers.Serializer):
    starts_at = LondonDateTimeApiField()
    ends_at = LondonDateTimeApiField()
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Move despite a clash, and say why.",
    )


class AppointmentCancelInput(serializers.Serializer):
    cancelled_by = serializers.ChoiceField(choices=Appointment.CancelledBy.choices)
    reason = serializers.CharField(allow_blank=True, max_length=300)


class ClinicFilter(filters.SelectorFilterSet):
    """Which day's clinic, and whose: a team's, or one clinician's (the caller's own by default)."""

    day = filters.DateFilter(help_text="Today when left out.")
    team = filters.IdFilter(help_text="The whole team's clinic.")
    clinician = filters.IdFilter(help_text="One clinician's clinic; the caller's own when neither is given.")

    def select(
        self, user: User, *, day: datetime.date | None, team: int | None, clinician: int | None
    ) -> QuerySet[Appointment]:
        return selectors.clinic_list(
            user=user, day=day or timezone.localdate(), clinician_id=clinician, team_id=team
        )


# --- Views ----------------------------------------------------------------------------------------


def _with_history(appointment: Appointment) -> Appointment:
    events = AppointmentEvent.objects.select_related("actor").order_by("at", "id")
    prefetch_related_objects([appointment], Prefetch("events", queryset=events))
    return appointment


class PatientAppointmentViewSet(SchedulingViewSet):
    """/patients/{patient_pk}/appointments/: a child's appointments, and booking one."""

    serializer_class = AppointmentOutput

    @extend_schema(responses={200: _for_caller("AppointmentForCaller", AppointmentOutput)}, filters=False)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's appointments, earliest first. A family sees the family-visible ones, without
        staff notes."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        page = self.paginate_queryset(selectors.appointments_of(user=user, patient=patient)) or []
        access_record(request=request, patients=patient, what="appointments")
        output = AppointmentOutput if roles.staff_role(user) else FamilyAppointmentOutput
        return self.get_paginated_response(output(page, many=True).data)

    @extend_schema(request=AppointmentInput, responses={201: AppointmentDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Book an appointment. A double booking of the child or the clinician is a 400 with code
        clash naming the other appointment, unless ``override_reason`` says why it is intended."""
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])  # out of scope: 404
        user = self.staff(request, "Only staff can book appointments.")
        data = AppointmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        referral_id = fields.pop("referral", None)
        referral = referral_get(user=user, pk=referral_id) if referral_id is not None else None
        appointment = services.appointment_book(actor=user, patient=patient, referral=referral, **fields)
        detail = _with_history(selectors.appointment_get(user=user, pk=appointment.pk))
        return Response(AppointmentDetailOutput(detail).data, status=status.HTTP_201_CREATED)


Step = Callable[..., Appointment]  # an appointment service, called with actor, appointment and the body


class AppointmentViewSet(SchedulingViewSet):
    """/appointments/{id}/: one appointment and its status changes."""

    serializer_class = AppointmentDetailOutput

    def _answer(self, user: User, appointment: Appointment) -> dict:
        """Staff get the detail with history; a family gets the family view."""
        if roles.staff_role(user) is None:
            return FamilyAppointmentOutput(appointment).data
        return AppointmentDetailOutput(_with_history(appointment)).data

    @extend_schema(responses={200: _for_caller("AppointmentDetailForCaller", AppointmentDetailOutput)})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request_user(request)
        appointment = selectors.appointment_get(user=user, pk=self.kwargs["pk"])
        access_record(request=request, patients=appointment.patient, what="appointment")
        return Response(self._answer(user, appointment))

    def _step(self, request: Request, body: type[serializers.Serializer] | None, run: Step) -> Response:
        """Resolve in scope (404), check the role (403), validate (400), then let the service move it."""
        appointment = selectors.appointment_get(user=request_user(request), pk=self.kwargs["pk"])
        user = self.staff(request, "Only staff can change appointments.")
        fields: dict[str, Any] = {}
        if body is not None:
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
        appointment = run(actor=user, appointment=appointment, **fields)
        return Response(self._answer(user, selectors.appointment_get(user=user, pk=appointment.pk)))

    @extend_schema(
        request=None, responses={200: _for_caller("AppointmentDetailForCaller", AppointmentDetailOutput)}
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Confirm a booked appointment: staff, or a guardian of the child."""
        user = request_user(request)
        appointment = selectors.appointment_get(user=user, pk=self.kwargs["pk"])
        services.appointment_confirm(actor=user, appointment=appointment)
        return Response(self._answer(user, selectors.appointment_get(user=user, pk=appointment.pk)))

    @extend_schema(request=None, responses={200: AppointmentDetailOutput})
    @action(detail=True, methods=["post"])
    def attended(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record attendance; the referral it was booked for moves to seen."""
        return self._step(request, None, services.appointment_attended)

    @extend_schema(request=None, responses={200: AppointmentDetailOutput})
    @action(detail=True, methods=["post"], url_path="did-not-attend")
    def did_not_attend(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a did-not-attend; the child's named nurse gets a follow-up task."""
        return self._step(request, None, services.appointment_did_not_attend)

    @extend_schema(request=AppointmentCancelInput, responses={200: AppointmentDetailOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel, saying who cancelled and why; the family is sent a notice."""
        return self._step(request, AppointmentCancelInput, services.appointment_cancel)

    @extend_schema(request=AppointmentMoveInput, responses={200: AppointmentDetailOutput})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reschedule: it needs confirming again and the family is sent a notice. A clash is a 400 with
        code clash unless ``override_reason`` is given."""
        return self._step(request, AppointmentMoveInput, services.appointment_move)


class ClinicViewSet(SchedulingViewSet):
    """/clinic/: a day's appointments for one clinician or one team (staff)."""

    serializer_class = ClinicRowOutput
    queryset = Appointment.objects.none()  # names the model; ClinicFilter reads through the selector
    filterset_class = ClinicFilter

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A day's clinic, earliest first: the team's when ``team`` is given, otherwise the clinician's
        (the caller's own by default). Only children the caller may see are listed."""
        self.staff(request, "The clinic list is for staff.")
        appointments = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(appointments) or []
        access_record(request=request, patients={a.patient for a in page}, what="clinic list")
        return self.get_paginated_response(ClinicRowOutput(page, many=True).data)
