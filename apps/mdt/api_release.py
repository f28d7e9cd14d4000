"""Telling the family an MDT outcome, over the API: prepare the letter and family wording, release it,
and the released decisions of a child (what the family sees on the portal).

A listed child's outcome comes from ``selectors.item_with_outcome_get`` (404 for anyone who may not
see the child, or when there is no outcome yet); the service decides the role (403). The released
decisions are read through ``patient_get`` (the family's own child, or staff who see the child).
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless

from . import release, selectors
from .models import OutcomeRelease


class ReleaseOutput(serializers.ModelSerializer):
    """One version of what the family is told (staff view: released or not yet)."""

    meeting_date = serializers.DateTimeField(source="outcome.item.meeting.starts_at", read_only=True)
    letter_url = serializers.SerializerMethodField(help_text="The API address of the letter's file.")

    class Meta:
        model = OutcomeRelease
        fields = [
            "id",
            "outcome",
            "version",
            "family_wording",
            "decision",
            "document",
            "letter_url",
            "meeting_date",
            "prepared_by",
            "prepared_at",
            "released_by",
            "released_at",
        ]

    def get_letter_url(self, row: OutcomeRelease) -> str:
        return reverse("document-download", args=[row.document_id])


class FamilyDecisionOutput(ReleaseOutput):
    """What a family sees: the meeting's date, the decision in their words, and the letter."""

    class Meta(ReleaseOutput.Meta):
        fields = ["id", "version", "family_wording", "letter_url", "meeting_date", "released_at"]


class WordingInput(serializers.Serializer):
    family_wording = serializers.CharField(
        max_length=4000, help_text="What was decided, in plain words for the family."
    )


class OutcomeReleaseViewSet(viewsets.GenericViewSet):
    serializer_class = ReleaseOutput
    queryset = OutcomeRelease.objects.none()  # for the schema; reads go through the selectors
    filter_backends: list = []

    @extend_schema(request=WordingInput, responses={201: ReleaseOutput})
    @action(detail=True, methods=["post"])
    def letter(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Prepare the family wording and the outcome letter (to the GP and the family) as a new version.
        Staff only until released."""
        user = request_user(request)
        outcome = selectors.item_with_outcome_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(release.can_release_outcome(user, outcome), release.RELEASE_ONLY)
        data = WordingInput(data=request.data)
        data.is_valid(raise_exception=True)
        prepared = release.outcome_letter_prepare(
            actor=user, outcome=outcome, family_wording=data.validated_data["family_wording"]
        )
        return Response(ReleaseOutput(prepared).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ReleaseOutput})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Release the latest prepared version: the wording on the portal, the letter in the family's
        documents. A released version is never changed (releasing it again is a 409)."""
        user = request_user(request)
        outcome = selectors.item_with_outcome_get(user=user, pk=self.kwargs["pk"])
        released = release.outcome_release(actor=user, outcome=outcome)
        return Response(ReleaseOutput(released).data)


class PatientDecisionViewSet(viewsets.GenericViewSet):
    """/patients/{patient_pk}/mdt-decisions/: the team's released decisions about a child."""

    serializer_class = FamilyDecisionOutput
    filter_backends: list = []

    @extend_schema(responses={200: FamilyDecisionOutput(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The latest released version of each outcome, newest meeting first (families and staff)."""
        patient = patient_get(user=request_user(request), pk=self.kwargs["patient_pk"])
        rows = selectors.released_outcomes_for_family(patient_id=patient.pk)
        access_record(request=request, patients=patient, what="mdt decisions")
        return Response(FamilyDecisionOutput(rows, many=True).data)
