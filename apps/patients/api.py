"""Patient, guardian and care-team endpoints. Thin: scoping via access.py, writes via services."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import StaffProfile, User
from apps.accounts.types import request_user
from apps.audit.services import access_record

from . import access, selectors, services
from .models import CareTeamMember, Guardian, Patient


class PatientOutput(serializers.ModelSerializer):
    nhs_number_display = serializers.CharField(read_only=True)
    named_nurse_name = serializers.CharField(source="named_nurse.full_name", read_only=True, default=None)

    class Meta:
        model = Patient
        fields = [
            "id",
            "nhs_number",
            "nhs_number_display",
            "hospital_number",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "postcode",
            "school",
            "status",
            "named_nurse",
            "named_nurse_name",
        ]


class PatientInput(serializers.Serializer):
    nhs_number = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=20)
    hospital_number = serializers.CharField(max_length=30)
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    preferred_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Patient.Sex.choices, required=False)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    school = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = serializers.ChoiceField(choices=Patient.Status.choices, required=False)
    named_nurse = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(kind=User.Kind.STAFF), required=False, allow_null=True
    )


class PatientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, hospital number or NHS number")

    class Meta:
        model = Patient
        fields = ["status", "named_nurse"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return selectors.search_patients(queryset, value)


def _forbidden_write(message: str) -> Response:
    body = {"error": {"status": 403, "code": "permission_denied", "message": message, "fields": {}}}
    return Response(body, status=status.HTTP_403_FORBIDDEN)


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Children the caller may see. Families see their own children; staff their care-team children."""

    serializer_class = PatientOutput
    filterset_class = PatientFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            access.visible_patients(self.request.user)
            .select_related("named_nurse")
            .order_by("family_name", "id")
        )

    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        access_record(request=request, patients=page, what="patient list")
        return self.get_paginated_response(PatientOutput(page, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        patient = self.get_object()
        access_record(request=request, patients=patient, what="demographics")
        return Response(PatientOutput(patient).data)

    @extend_schema(request=PatientInput, responses={201: PatientOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        if not access.can_register_patient(request_user(request)):
            return _forbidden_write("Your role cannot register children.")
        data = PatientInput(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_register(actor=request_user(request), **data.validated_data)
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PatientInput, responses={200: PatientOutput})
    def partial_update(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        patient = self.get_object()
        if not access.can_edit_patient(request_user(request), patient):
            return _forbidden_write("Your role cannot change this child's details.")
        data = PatientInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patient = services.patient_update(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(PatientOutput(patient).data)


class GuardianOutput(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Guardian
        fields = [
            "id",
            "patient",
            "full_name",
            "email",
            "relationship",
            "has_parental_responsibility",
            "is_active",
        ]


class FamilyGuardianOutput(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Guardian
        fields = ["id", "patient", "full_name", "relationship"]


class GuardianInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    relationship = serializers.ChoiceField(choices=Guardian.Relationship.choices)
    has_parental_responsibility = serializers.BooleanField(default=True)


class CareTeamMemberOutput(serializers.ModelSerializer):
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = CareTeamMember
        fields = ["id", "patient", "user", "full_name", "role", "is_lead", "start_date", "end_date"]


class CareTeamMemberInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(kind=User.Kind.STAFF))
    role = serializers.ChoiceField(choices=StaffProfile.Role.choices, required=False)
    is_lead = serializers.BooleanField(default=False)
    start_date = serializers.DateField(required=False)


class CareTeamEndInput(serializers.Serializer):
    end_date = serializers.DateField(required=False)


class _PatientChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rows that belong to one child; the child is resolved through access.py first (404 if out of scope)."""

    audit_what = ""

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = get_object_or_404(
                access.visible_patients(self.request.user), pk=self.kwargs["patient_pk"]
            )
        return self._patient

    def list(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().list(request, *args, **kwargs)
        access_record(request=request, patients=self.get_patient(), what=self.audit_what)
        return response

    def retrieve(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().retrieve(request, *args, **kwargs)
        access_record(request=request, patients=self.get_patient(), what=self.audit_what)
        return response


class GuardianViewSet(_PatientChildViewSet):
    serializer_class = GuardianOutput
    audit_what = "guardians"
    filterset_fields = ["is_active"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no patient
            return Guardian.objects.none()
        guardians = selectors.guardians_of(patient=self.get_patient()).order_by("id")
        if access.is_family(self.request.user):  # a family sees current co-guardians, without contact details
            guardians = guardians.filter(is_active=True)
        return guardians

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return FamilyGuardianOutput if access.is_family(self.request.user) else GuardianOutput

    @extend_schema(request=GuardianInput, responses={201: GuardianOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        patient = self.get_patient()
        if not access.can_manage_guardians(request_user(request), patient):
            return _forbidden_write("Your role cannot manage this child's guardians.")
        data = GuardianInput(data=request.data)
        data.is_valid(raise_exception=True)
        guardian = services.guardian_link(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(GuardianOutput(guardian).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GuardianOutput})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        guardian = self.get_object()
        if not access.can_manage_guardians(request_user(request), guardian.patient):
            return _forbidden_write("Your role cannot manage this child's guardians.")
        guardian = services.guardian_deactivate(actor=request_user(request), guardian=guardian)
        return Response(GuardianOutput(guardian).data)


class CareTeamMemberViewSet(_PatientChildViewSet):
    serializer_class = CareTeamMemberOutput
    audit_what = "care team"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return CareTeamMember.objects.none()
        family = access.is_family(self.request.user)
        return selectors.care_team_of(patient=self.get_patient(), current_only=family).order_by("id")

    @extend_schema(request=CareTeamMemberInput, responses={201: CareTeamMemberOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        patient = self.get_patient()
        if not access.can_manage_care_team(request_user(request), patient):
            return _forbidden_write("Your role cannot change this child's care team.")
        data = CareTeamMemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.care_team_member_add(
            actor=request_user(request), patient=patient, **data.validated_data
        )
        return Response(CareTeamMemberOutput(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CareTeamEndInput, responses={200: CareTeamMemberOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        member = self.get_object()
        if not access.can_manage_care_team(request_user(request), member.patient):
            return _forbidden_write("Your role cannot change this child's care team.")
        data = CareTeamEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.care_team_member_end(
            actor=request_user(request), member=member, **data.validated_data
        )
        return Response(CareTeamMemberOutput(member).data)
