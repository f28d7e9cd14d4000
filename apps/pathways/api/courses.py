"""Treatment courses: record one, and move it through planned, active, weaning, completed or stopped."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless

from .. import services
from ..models import CourseEvent, TreatmentCourse
from ._base import PathwayChildViewSet

Status = TreatmentCourse.Status


class CourseEventOutput(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.full_name", read_only=True)

    class Meta:
        model = CourseEvent
        fields = ["from_status", "to_status", "on_date", "actor", "actor_name", "at", "note"]


class CourseOutput(serializers.ModelSerializer):
    prescriber_name = serializers.CharField(source="prescriber.full_name", read_only=True)

    class Meta:
        model = TreatmentCourse
        fields = [
            "id",
            "agent",
            "agent_other",
            "label",
            "status",
            "start_date",
            "planned_end_date",
            "wean_started_on",
            "ended_on",
            "regimen_notes",
            "stop_reason",
            "second_course_reason",
            "prescriber",
            "prescriber_name",
        ]


class CourseDetailOutput(CourseOutput):
    events = CourseEventOutput(many=True, read_only=True)

    class Meta(CourseOutput.Meta):
        fields = [*CourseOutput.Meta.fields, "events"]


class CourseInput(serializers.Serializer):
    agent = serializers.ChoiceField(choices=TreatmentCourse.Agent.choices)
    agent_other = serializers.CharField(required=False, allow_blank=True, max_length=100)
    start_date = serializers.DateField()
    planned_end_date = serializers.DateField(required=False, allow_null=True)
    regimen_notes = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=[(Status.PLANNED, Status.PLANNED.label), (Status.ACTIVE, Status.ACTIVE.label)],
        required=False,
        help_text="Active (started on the start date) when left out.",
    )
    confirm_second_course = serializers.BooleanField(
        required=False, help_text="Needed, with a reason, when an open course of the same agent exists."
    )
    second_course_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CourseTransitionInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Status.choices)
    on_date = serializers.DateField(required=False, help_text="Today when left out.")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Needed when stopping."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CourseViewSet(mixins.CreateModelMixin, PathwayChildViewSet):
    audit_what = "treatment courses"
    filterset_fields = ["status"]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return CourseOutput if self.action == "list" else CourseDetailOutput

    def get_queryset(self) -> QuerySet[TreatmentCourse]:
        if getattr(self, "swagger_fake_view", False):
            return TreatmentCourse.objects.none()
        courses = TreatmentCourse.objects.filter(patient=self.get_patient()).select_related("prescriber")
        if self.action != "list":
            events = CourseEvent.objects.select_related("actor").order_by("at", "id")
            courses = courses.prefetch_related(Prefetch("events", queryset=events))
        return courses.order_by("start_date", "id")

    def _detail(self, course: TreatmentCourse) -> dict:
        return CourseDetailOutput(self.get_queryset().get(pk=course.pk)).data

    @extend_schema(request=CourseInput, responses={201: CourseDetailOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(
            roles.can_manage_treatment(request_user(request)),
            "Only a consultant can record treatment courses.",
        )
        data = CourseInput(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_create(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(self._detail(course), status=status.HTTP_201_CREATED)

    @extend_schema(request=CourseTransitionInput, responses={200: CourseDetailOutput})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start, wean, complete or stop the course. An illegal move is a 400 with code illegal_transition."""
        course = self.get_object()
        refuse_unless(
            roles.can_manage_treatment(request_user(request)),
            "Only a consultant can change treatment courses.",
        )
        data = CourseTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        course = services.course_transition(actor=request_user(request), course=course, **data.validated_data)
        return Response(self._detail(course))
