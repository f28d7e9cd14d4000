"""/api/v1/patients/<id>/questionnaire-responses/: a child's scored responses, for staff.

Thin: the child comes from ``visible_patients`` (404), a family is refused (403: they answer in the
portal), and each read writes an AccessEvent. Answers are keyed by linkId, as in FHIR.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.types import request_user
from apps.audit.services import access_record
from apps.patients.selectors import patient_get
from carecoord.errors import refuse_unless

from . import selectors
from .models import QuestionnaireResponse, ResponseAnswer

STAFF_ONLY = "Questionnaire responses are read by the care team; families see theirs in the portal."


class AnswerOutput(serializers.ModelSerializer):
    class Meta:
        model = ResponseAnswer
        fields = ["link_id", "value_code", "value_integer", "value_boolean", "value_text", "score"]


class ResponseOutput(serializers.ModelSerializer):
    questionnaire = serializers.CharField(source="version.questionnaire.code")
    questionnaire_title = serializers.CharField(source="version.questionnaire.title")
    questionnaire_version = serializers.IntegerField(source="version.version")
    author_name = serializers.CharField(source="author.full_name")
    reason = serializers.CharField(source="assignment.reason")
    answers = AnswerOutput(many=True)

    class Meta:
        model = QuestionnaireResponse
        fields = [
            "id",
            "patient",
            "questionnaire",
            "questionnaire_title",
            "questionnaire_version",
            "authored_at",
            "author",
            "author_name",
            "reason",
            "total_score",
            "max_score",
            "change",
            "answers",
        ]


class PatientQuestionnaireResponseViewSet(viewsets.GenericViewSet):
    serializer_class = ResponseOutput
    queryset = QuestionnaireResponse.objects.none()  # names the model; rows come from the selector
    filter_backends: list = []

    @extend_schema(responses={200: ResponseOutput(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's questionnaire responses, newest first, with scores and answers."""
        user = request_user(request)
        patient = patient_get(user=user, pk=self.kwargs["patient_pk"])
        refuse_unless(roles.staff_role(user) is not None, STAFF_ONLY)
        rows = selectors.responses_of(patient).prefetch_related("answers")
        page = self.paginate_queryset(rows) or []
        access_record(request=request, patients=patient, what="questionnaire responses")
        return self.get_paginated_response(ResponseOutput(page, many=True).data)
