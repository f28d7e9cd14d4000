"""Transition plans over the API (/api/v1/patients/<id>/transition/...): read, change, open, readiness,
joint appointment and transfer. Thin: the child comes from ``visible_patients`` (404), the service
decides the role (403), and every read is audited. Families read their own child's plan."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.models import Patient
from apps.patients.selectors import patient_get
from apps.scheduling.models import Appointment

from . import selectors, services
from .models import ReadinessItem, TransitionPlan


class CheckOutput(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    code = serializers.CharField(source="item.code")
    text = serializers.CharField(source="item.staff_text")
    young_person_text = serializers.CharField(source="item.young_person_text")
    ready = serializers.BooleanField()
    note = serializers.SerializerMethodField()

    def get_note(self, row: selectors.ChecklistRow) -> str:
        return row.check.note if row.check else ""


class MilestoneOutput(serializers.Serializer):
    code = serializers.CharField(source="milestone.code")
    title = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    task = serializers.IntegerField(source="task.pk", allow_null=True, default=None)


class PlanOutput(serializers.ModelSerializer):
    named_worker_name = serializers.CharField(source="named_worker.full_name", default="", read_only=True)
    checklist = serializers.SerializerMethodField()
    milestones = serializers.SerializerMethodField()

    class Meta:
        model = TransitionPlan
        fields = [
            "id",
            "patient",
            "status",
            "opened_on",
            "named_worker",
            "named_worker_name",
            "adult_team",
            "adult_hospital",
            "target_transfer_on",
            "joint_appointment",
            "transferred_on",
            "transfer_note",
            "checklist",
            "milestones",
        ]

    @extend_schema(responses=CheckOutput(many=True))
    def get_checklist(self, plan: TransitionPlan) -> Any:
        return CheckOutput(selectors.checklist(plan), many=True).data

    @extend_schema(responses=MilestoneOutput(many=True))
    def get_milestones(self, plan: TransitionPlan) -> Any:
        if not self.context.get("staff"):
            return []  # the tasks behind them are the team's
        return MilestoneOutput(selectors.milestone_rows(plan), many=True).data


class PlanInput(serializers.Serializer):
    named_worker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False, default=None
    )
    adult_team = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    adult_hospital = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    target_transfer_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReadinessInput(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=ReadinessItem.objects.all())
    ready = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class JointAppointmentInput(serializers.Serializer):
    appointment = serializers.PrimaryKeyRelatedField(queryset=Appointment.objects.all(), allow_null=True)


class TransferInput(serializers.Serializer):
    transferred_on = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class TransitionPlanViewSet(viewsets.ViewSet):
    def _patient(self, request: Request, pk: int) -> Patient:
        return patient_get(user=request_user(request), pk=pk)

    def _editable(self, request: Request, pk: int) -> TransitionPlan:
        return services.editable_plan_get(user=request_user(request), patient=self._patient(request, pk))

    def _answer(self, request: Request, plan: TransitionPlan, code: int = status.HTTP_200_OK) -> Response:
        staff = roles.staff_role(request_user(request)) is not None
        return Response(PlanOutput(plan, context={"staff": staff}).data, status=code)

    @extend_schema(responses=PlanOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        patient = self._patient(request, pk)
        plan = get_object_or_404(TransitionPlan.objects.select_related("named_worker"), patient=patient)
        access_record(request=request, patients=patient, what="transition plan")
        return self._answer(request, plan)

    @extend_schema(request=PlanInput, responses=PlanOutput)
    def update(self, request: Request, pk: int) -> Response:
        plan = self._editable(request, pk)
        data = PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_update(actor=request_user(request), plan=plan, **data.validated_data)
        return self._answer(request, plan)

    @extend_schema(request=None, responses={201: PlanOutput})
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: int) -> Response:
        patient = self._patient(request, pk)
        plan = services.plan_open(
            actor=request_user(request), patient=patient, opened_on=timezone.localdate()
        )
        return self._answer(request, plan, status.HTTP_201_CREATED)

    @extend_schema(request=ReadinessInput, responses=PlanOutput)
    @action(detail=True, methods=["post"])
    def readiness(self, request: Request, pk: int) -> Response:
        plan = self._editable(request, pk)
        data = ReadinessInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.readiness_record(actor=request_user(request), plan=plan, **data.validated_data)
        return self._answer(request, plan)

    @extend_schema(request=JointAppointmentInput, responses=PlanOutput)
    @action(detail=True, methods=["post"], url_path="joint-appointment")
    def joint_appointment(self, request: Request, pk: int) -> Response:
        plan = self._editable(request, pk)
        data = JointAppointmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.joint_appointment_set(actor=request_user(request), plan=plan, **data.validated_data)
        return self._answer(request, plan)

    @extend_schema(request=TransferInput, responses=PlanOutput)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: int) -> Response:
        plan = self._editable(request, pk)
        data = TransferInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_transfer(actor=request_user(request), plan=plan, **data.validated_data)
        return self._answer(request, plan)
