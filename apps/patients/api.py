"""Patient, guardian and care-team endpoints. Thin: scoping via access.py, writes via services."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import StaffProfile, User
from apps.accounts.types import request_user
from apps.audit.services import access_record
from carecoord.errors import refuse_unless

from . import access, selectors, services
from .models import CareTeamMember, Guardian, GuardianInvitation, Patient


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

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return selectors.search_patients(queryset, value)


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Children the caller may see. Families see their own children; staff their care-team children."""

    serializer_class = PatientOutput
    filterset_class = PatientFilter

    def get_queryset(self) -> QuerySet[Any]:
        return (
            access.visible_patients(self.request.user, many=self.action == "list")
            .select_related("named_nurse")
            .order_by("family_name", "id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        access_record(request=request, patients=page, what="patient list")
        return self.get_paginated_response(PatientOutput(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        access_record(request=request, patients=patient, what="demographics")
        return Response(PatientOutput(patient).data)

    @extend_schema(request=PatientInput, responses={201: PatientOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        refuse_unless(
            roles.can_register_patient(request_user(request)), "Your role cannot register children."
        )
        data = PatientInput(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_register(actor=request_user(request), **data.validated_data)
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PatientInput, responses={200: PatientOutput})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        refuse_unless(
            access.can_edit_patient(request_user(request), patient),
            "Your role cannot change this child's details.",
        )
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
            "legal_basis",
            "authorised_by_name",
            "authorised_on",
            "authorisation_reason",
            "young_person_consent_on",
            "is_active",
            "ended_reason",
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
    authorised_by_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    authorised_on = serializers.DateField(required=False, default=None, allow_null=True)
    authorisation_reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


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

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        access_record(request=request, patients=self.get_patient(), what=self.audit_what)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        access_record(request=request, patients=self.get_patient(), what=self.audit_what)
        return response


class GuardianViewSet(_PatientChildViewSet):
    serializer_class = GuardianOutput
    audit_what = "guardians"
    filterset_fields = ["is_active"]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no patient
            return Guardian.objects.none()
        guardians = selectors.guardians_of(patient=self.get_patient()).order_by("id")
        if roles.is_family(self.request.user):  # a family sees current co-guardians, without contact details
            guardians = guardians.filter(is_active=True)
        return guardians

    def get_serializer_class(self) -> Any:
        return FamilyGuardianOutput if roles.is_family(self.request.user) else GuardianOutput

    @extend_schema(request=GuardianInput, responses={201: GuardianOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(
            access.can_manage_guardians(request_user(request), patient),
            "Your role cannot manage this child's guardians.",
        )
        data = GuardianInput(data=request.data)
        data.is_valid(raise_exception=True)
        guardian = services.guardian_link(actor=request_user(request), patient=patient, **data.validated_data)
        return Response(GuardianOutput(guardian).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GuardianOutput})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        guardian = self.get_object()
        refuse_unless(
            access.can_manage_guardians(request_user(request), guardian.patient),
            "Your role cannot manage this child's guardians.",
        )
        guardian = services.guardian_deactivate(actor=request_user(request), guardian=guardian)
        return Response(GuardianOutput(guardian).data)


class CareTeamMemberViewSet(_PatientChildViewSet):
    serializer_class = CareTeamMemberOutput
    audit_what = "care team"

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return CareTeamMember.objects.none()
        family = roles.is_family(self.request.user)
        return selectors.care_team_of(patient=self.get_patient(), current_only=family).order_by("id")

    @extend_schema(request=CareTeamMemberInput, responses={201: CareTeamMemberOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_patient()
        refuse_unless(
            access.can_manage_care_team(request_user(request), patient),
            "Your role cannot change this child's care team.",
        )
        data = CareTeamMemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.care_team_member_add(
            actor=request_user(request), patient=patient, **data.validated_data
        )
        return Response(CareTeamMemberOutput(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CareTeamEndInput, responses={200: CareTeamMemberOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        refuse_unless(
            access.can_manage_care_team(request_user(request), member.patient),
            "Your role cannot change this child's care team.",
        )
        data = CareTeamEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.care_team_member_end(
            actor=request_user(request), member=member, **data.validated_data
        )
        return Response(CareTeamMemberOutput(member).data)


# --- Guardian invitations -------------------------------------------------------------------------
# As in apps/messaging/api.py: the child is resolved through ``patient_get`` (404 out of scope), then a
# caller who may not manage the child's guardians (a family, or a role without it) gets a 403, and a
# service's refusal keeps its code (withdrawing twice is a 409 ``stale``). The emailed token and its
# hash never leave the service. Reads are audited once per request.

INVITATION_ROLE_MESSAGE = "Your role cannot manage this child's guardians."


class InvitationOutput(serializers.ModelSerializer):
    created_by_name = serializers.CharField(source="created_by.full_name", read_only=True)
    is_pending = serializers.BooleanField(
        read_only=True, help_text="Neither used nor withdrawn, and the link has not expired."
    )

    class Meta:
        model = GuardianInvitation
        fields = [
            "id",
            "patient",
            "full_name",
            "email",
            "relationship",
            "has_parental_responsibility",
            "expires_at",
            "is_pending",
            "accepted_at",
            "revoked_at",
            "created_by",
            "created_by_name",
            "created_at",
        ]


class InvitationInput(GuardianInput):
    pass


def invitation_get(*, user: User, pk: int) -> GuardianInvitation:
    """An invitation to a child in the caller's scope, whatever its state; 404 otherwise.

    Only the child's id is read before the child is resolved through ``patient_get``, so an invitation
    to a child out of scope and a missing one look the same.
    """
    patient_id = GuardianInvitation.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
    if patient_id is None:
        raise Http404
    patient = selectors.patient_get(user=user, pk=patient_id)
    invitations = GuardianInvitation.objects.filter(patient=patient).select_related("created_by")
    invitation = get_object_or_404(invitations, pk=pk)
    invitation.patient = patient
    return invitation


class InvitationsViewSet(viewsets.GenericViewSet):
    filter_backends: list = []


class PatientInvitationViewSet(InvitationsViewSet):
    """/patients/{patient_pk}/invitations/: a child's open guardian invitations, and sending one."""

    serializer_class = InvitationOutput

    def patient_to_manage(self, request: Request) -> tuple[User, Patient]:
        user = request_user(request)
        patient = selectors.patient_get(user=user, pk=self.kwargs["patient_pk"])
        refuse_unless(access.can_manage_guardians(user, patient), INVITATION_ROLE_MESSAGE)
        return user, patient

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invitations neither used nor withdrawn, newest first; expired ones too (``is_pending`` is
        false), so staff can see to send a new one."""
        _, patient = self.patient_to_manage(request)
        page = self.paginate_queryset(selectors.open_invitations_of(patient=patient)) or []
        access_record(request=request, patients=patient, what="guardian invitations")
        return self.get_paginated_response(InvitationOutput(page, many=True).data)

    @extend_schema(request=InvitationInput, responses={201: InvitationOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invite a guardian by email. The link works once, for a limited time; a new invitation
        replaces one still waiting for the same person."""
        user, patient = self.patient_to_manage(request)
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_send(actor=user, patient=patient, **data.validated_data)
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class InvitationViewSet(InvitationsViewSet):
    """/invitations/{id}/: withdrawing an invitation."""

    serializer_class = InvitationOutput

    @extend_schema(request=None, responses={200: InvitationOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Withdraw an invitation not yet used: its link stops working at once. An invitation already
        used or withdrawn is a 409."""
        user = request_user(request)
        invitation = invitation_get(user=user, pk=self.kwargs["pk"])
        refuse_unless(access.can_manage_guardians(user, invitation.patient), INVITATION_ROLE_MESSAGE)
        invitation = services.invitation_revoke(actor=user, invitation=invitation)
        return Response(InvitationOutput(invitation).data)
