from django.db.models import Prefetch, Q, QuerySet

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser

from . import access
from .models import CareTeamMember, Guardian, GuardianInvitation, Patient
from .nhs_number import normalise_nhs_number


def search_patients(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    query = (query or "").strip()
    if not query:
        return patients
    digits = query.replace(" ", "").replace("-", "")
    match = (
        Q(hospital_number__iexact=query) | Q(given_name__icontains=query) | Q(family_name__icontains=query)
    )
    if digits.isdigit():
        match |= Q(nhs_number__startswith=digits)
    parts = query.split()
    if len(parts) == 2:
        match |= Q(given_name__icontains=parts[0], family_name__icontains=parts[1])
    return patients.filter(match)


def patient_list(*, user: AnyUser, query: str = "") -> QuerySet[Patient]:
    return search_patients(access.visible_patients(user, many=True), query).select_related("named_nurse")


def patient_get(*, user: AnyUser, pk: int) -> Patient:
    """One child the user may see; 404 otherwise (missing and forbidden look the same)."""
    return access.visible_patient_get(user, pk, Patient.objects.select_related("named_nurse"))


def patient_get_with_team(*, user: AnyUser, pk: int) -> Patient:
    """A child with guardians and current care team loaded in two more queries."""
    patients = Patient.objects.select_related("named_nurse").prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.select_related("user")),
        Prefetch(
            "care_team",
            queryset=CareTeamMember.objects.select_related("user", "user__staff_profile"),
        ),
    )
    return access.visible_patient_get(user, pk, patients)


def guardians_of(*, patient: Patient) -> QuerySet[Guardian]:
    return Guardian.objects.filter(patient=patient).select_related("user")


def open_invitations_of(*, patient: Patient) -> QuerySet[GuardianInvitation]:
    """Invitations neither used nor withdrawn (expired ones too, so staff can see to send a new one)."""
    return GuardianInvitation.objects.filter(
        patient=patient, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("created_by")


def invitation_for_token(*, token: str) -> GuardianInvitation | None:
    """The invitation a link's token belongs to (looked up by its hash), whatever its state."""
    from .services import invitation_token_hash

    return (
        GuardianInvitation.objects.filter(token_hash=invitation_token_hash(token or ""))
        .select_related("patient")
        .first()
    )


def care_team_of(*, patient: Patient, current_only: bool = False) -> QuerySet[CareTeamMember]:
    members = CareTeamMember.objects.filter(patient=patient).select_related("user", "user__staff_profile")
    if current_only:
        members = members.filter(access.current_care_team())
    return members


def patient_find_for_break_glass(*, identifier: str) -> Patient | None:
    """Find a child by exact hospital or NHS number, outside normal scope, for break-glass only."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    try:
        nhs = normalise_nhs_number(identifier)
    except Exception:
        nhs = None
    match = Q(hospital_number__iexact=identifier)
    if nhs:
        match |= Q(nhs_number=nhs)
    return Patient.objects.filter(match).first()


def nurse_specialists() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, kind=User.Kind.STAFF, staff_profile__role=roles.Role.NURSE_SPECIALIST
    ).order_by("full_name")
