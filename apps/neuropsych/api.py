"""Neuropsychology over the API: a child's assessments (list, record), school and support (read,
change), and school-support letters (list, draft, read, edit, release).

Thin, as in apps/documents/api.py: the child is resolved through ``patient_get`` (404 out of scope,
missing or forbidden alike); this is staff's record, so a family in scope gets a 403; the services
decide the role for writes (403) and the input (400). Every read is audited.
"""

from typing import Any

from django.http import Http404
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
from carecoord.errors import refuse_unless

from . import letters, selectors, services
from .models import Assessment, Band, Domain, DomainResult, SchoolLetter, SchoolSupport

STAFF_ONLY = "The neuropsychology record is for staff; released letters are in the family's documents."


class NeuropsychResultOutput(serializers.ModelSerializer):
    band_label = serializers.CharField(source="get_band_display", read_only=True)

    class Meta:
        model = DomainResult
        fields = ["domain", "band", "band_label", "notes"]


class NeuropsychAssessmentOutput(serializers.ModelSerializer):
    results = NeuropsychResultOutput(many=True, read_only=True)
    assessed_by_name = serializers.CharField(source="assessed_by.full_name", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "patient",
            "assessed_on",
            "assessed_by",
            "assessed_by_name",
            "results",
            "recommendations",
            "recorded_by",
            "recorded_at",
        ]


class NeuropsychResultInput(serializers.Serializer):
    domain = serializers.ChoiceField(choices=Domain.choices)
    band = serializers.ChoiceField(choices=Band.choices, help_text="1 (well below average) to 5 (above).")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NeuropsychAssessmentInput(serializers.Serializer):
    assessed_on = serializers.DateField(help_text="Not in the future.")
    assessed_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(kind=User.Kind.STAFF), help_text="The member of staff who did it."
    )
    results = NeuropsychResultInput(many=True, help_text="One per domain tested.")
    recommendations = serializers.CharField(max_length=6000)


class SchoolSupportSerializer(serializers.ModelSerializer):
    """In and out: the school, a contact there and the support status with its dates."""

    class Meta:
        model = SchoolSupport
        fields = [
            "school",
            "contact_name",
            "contact_email",
            "contact_phone",
            "status",
            "status_since",
            "ehcp_requested_on",
            "ehcp_in_place_on",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["updated_by", "updated_at"]
        extra_kwargs = {"status": {"required": True}}


class SchoolLetterOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="document.version", read_only=True, allow_null=True)
    released_at = serializers.DateTimeField(source="document.released_at", read_only=True, allow_null=True)

    class Meta:
        model = SchoolLetter
        fields = [
            "id",
            "patient",
            "assessment",
            "body",
            "document",
            "version",
            "released_at",
            "created_by",
            "created_at",
            "edited_by",
            "edited_at",
        ]


class SchoolLetterInput(serializers.Serializer):
    body = serializers.CharField(
        max_length=10000, help_text="The edited text; saving makes a new PDF version."
    )


def _child(request: Request, pk: int) -> Patient:
    user = request_user(request)
    patient = patient_get(user=user, pk=pk)
    refuse_unless(roles.staff_role(user) is not None, STAFF_ONLY)
    return patient


class PatientNeuropsychViewSet(viewsets.GenericViewSet):
    """/patients/{patient_pk}/neuropsychology/...: assessments, school support and letters of a child."""

    serializer_class = NeuropsychAssessmentOutput
    queryset = Assessment.objects.none()  # for the schema; reads go through the selectors
    filter_backends: list = []

    @extend_schema(responses={200: NeuropsychAssessmentOutput(many=True)})
    def assessments(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The child's assessments, newest first, each with its results by domain."""
        patient = _child(request, self.kwargs["patient_pk"])
        rows = selectors.assessments_of(patient=patient)
        access_record(request=request, patients=patient, what="neuropsychology")
        return Response(NeuropsychAssessmentOutput(rows, many=True).data)

    @extend_schema(request=NeuropsychAssessmentInput, responses={201: NeuropsychAssessmentOutput})
    def record(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an assessment (a neuropsychologist or psychologist); it completes the due re-evaluation."""
        patient = _child(request, self.kwargs["patient_pk"])
        user = request_user(request)
        refuse_unless(services.can_record_assessment(user, patient), services.ASSESSORS_ONLY)
        data = NeuropsychAssessmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        assessment = services.assessment_record(
            actor=user,
            patient=patient,
            assessed_on=d["assessed_on"],
            assessed_by=d["assessed_by"],
            results=[
                services.ResultSpec(r["domain"], int(r["band"]), r.get("notes", "")) for r in d["results"]
            ],
            recommendations=d["recommendations"],
        )
        row = selectors.assessments_of(patient=patient).get(pk=assessment.pk)
        return Response(NeuropsychAssessmentOutput(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SchoolSupportSerializer, responses={200: SchoolSupportSerializer})
    def school(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET the school and support (empty values when none recorded); PUT changes them, keeping history."""
        patient = _child(request, self.kwargs["patient_pk"])
        user = request_user(request)
        if request.method == "PUT":
            refuse_unless(services.can_keep_school_support(user, patient), services.CLINICIANS_ONLY)
            data = SchoolSupportSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.school_support_update(actor=user, patient=patient, **data.validated_data)
        support = selectors.school_support_of(patient=patient)
        access_record(request=request, patients=patient, what="school support")
        return Response(SchoolSupportSerializer(support).data if support else SchoolSupportSerializer().data)

    @extend_schema(request=None, responses={200: SchoolLetterOutput(many=True), 201: SchoolLetterOutput})
    def letters(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET the child's school-support letters; POST drafts one from the latest recommendations."""
        patient = _child(request, self.kwargs["patient_pk"])
        user = request_user(request)
        if request.method == "POST":
            refuse_unless(services.can_keep_school_support(user, patient), services.CLINICIANS_ONLY)
            letter = letters.school_letter_draft(actor=user, patient=patient)
            return Response(SchoolLetterOutput(letter).data, status=status.HTTP_201_CREATED)
        access_record(request=request, patients=patient, what="school letter")
        return Response(SchoolLetterOutput(selectors.letters_of(patient=patient), many=True).data)


def _letter(request: Request, pk: int) -> SchoolLetter:
    patient_id = SchoolLetter.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    patient = _child(request, patient_id)
    return selectors.letter_get(patient=patient, pk=pk)


class SchoolLetterViewSet(viewsets.GenericViewSet):
    """/school-letters/{id}/: one letter; edit its text (a new PDF version) and release it."""

    serializer_class = SchoolLetterOutput
    queryset = SchoolLetter.objects.none()
    filter_backends: list = []

    @extend_schema(request=SchoolLetterInput, responses={200: SchoolLetterOutput})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET the letter; PUT saves the edited text as a new version (staff only until released)."""
        letter = _letter(request, self.kwargs["pk"])
        user = request_user(request)
        if request.method == "PUT":
            refuse_unless(services.can_keep_school_support(user, letter.patient), services.CLINICIANS_ONLY)
            data = SchoolLetterInput(data=request.data)
            data.is_valid(raise_exception=True)
            letter = letters.school_letter_edit(actor=user, letter=letter, body=data.validated_data["body"])
        access_record(request=request, patients=letter.patient, what="school letter")
        return Response(SchoolLetterOutput(letter).data)

    @extend_schema(request=None, responses={200: SchoolLetterOutput})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Release the latest version to the family's documents; releasing it again is a 409."""
        letter = _letter(request, self.kwargs["pk"])
        user = request_user(request)
        refuse_unless(services.can_keep_school_support(user, letter.patient), services.CLINICIANS_ONLY)
        released = letters.school_letter_release(actor=user, letter=letter)
        return Response(SchoolLetterOutput(released).data)
