"""Specialty tracks: the stage of each of the seven specialties, and moving one by hand."""

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from carecoord.errors import refuse_unless

from .. import services
from ..models import Specialty, SpecialtyTrack
from ..selectors import track_row, tracks_of
from ._base import PathwayPatientViewSet

Stage = SpecialtyTrack.Stage


class TrackOutput(serializers.Serializer):
    specialty = serializers.ChoiceField(choices=Specialty.choices)
    specialty_label = serializers.CharField(source="label")
    stage = serializers.ChoiceField(choices=Stage.choices)
    stage_label = serializers.CharField()
    changed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the stage last changed; null before the child has any track."
    )


class TrackMoveInput(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    expected_stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="The stage the client saw; a 409 with code stale when someone moved the track since.",
    )


class TrackViewSet(PathwayPatientViewSet):
    serializer_class = TrackOutput
    audit_what = "specialty tracks"
    pagination_class = None  # always the seven specialties

    def get_queryset(self) -> Any:
        return SpecialtyTrack.objects.none()  # rows are built per specialty by tracks_of()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """All seven specialties with their stage; a specialty never moved is not involved."""
        rows = tracks_of(self.get_patient())
        self.audit(request)
        return Response(TrackOutput(rows, many=True).data)

    @extend_schema(
        request=TrackMoveInput,
        responses={200: TrackOutput},
        parameters=[
            OpenApiParameter("specialty", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Specialty.values)
        ],
    )
    @action(detail=False, methods=["post"])
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Move one specialty's track to another stage. An illegal move is a 400 (illegal_transition)."""
        patient = self.get_patient()
        if kwargs["specialty"] not in Specialty.values:
            raise Http404
        refuse_unless(
            roles.can_change_track(request_user(request)), "Your role cannot change specialty tracks."
        )
        data = TrackMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        track = services.track_change_stage(
            actor=request_user(request), patient=patient, specialty=kwargs["specialty"], **data.validated_data
        )
        return Response(TrackOutput(track_row(track)).data)
