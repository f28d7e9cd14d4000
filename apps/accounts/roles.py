"""Who a user is: their staff role, family kind and teams, and the predicates that look only at the role.

Every app may import this (accounts is the bottom layer). Predicates that depend on a particular
child or record live with the app that owns it (``apps/patients/access.py`` decides who sees which
child). Each predicate here assumes the caller has already scoped the object it is about.
"""

from typing import Any

from django.db.models import QuerySet

from carecoord.request_memo import shared

from .models import StaffProfile, User
from .types import AnyUser

Role = StaffProfile.Role

# Roles that carry clinical responsibility for registering and organising a child's care.
COORDINATING_ROLES = frozenset({Role.NURSE_SPECIALIST, Role.CONSULTANT, Role.CLINIC_ADMIN})
_PRESCRIBERS = frozenset({Role.CONSULTANT})
_CLINICIANS = frozenset(
    {
        Role.NURSE_SPECIALIST,
        Role.CONSULTANT,
        Role.SURGEON,
        Role.PSYCHOLOGIST,
        Role.NEUROPSYCHOLOGIST,
        Role.THERAPIST,
    }
)


def staff_role(user: AnyUser) -> str | None:
    """The staff role of an active clinical user, or None."""
    if not (isinstance(user, User) and user.is_active and user.kind == User.Kind.STAFF):
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.role if profile else None


def is_family(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.kind == User.Kind.FAMILY


def team_ids_subquery(user: User) -> QuerySet[Any]:
    """The ids of the user's teams as one column, for a filter inside another query: read from the
    membership table alone (a join through Team and back made PostgreSQL plan the scope for longer
    than it ran)."""
    return StaffProfile.teams.through.objects.filter(staffprofile__user_id=user.pk).values("team_id")


def team_ids(user: AnyUser) -> list[int]:
    """The teams a member of staff belongs to (empty for anyone else)."""
    if staff_role(user) is None:
        return []
    # Read once per page view (the worklist and its counts both ask).
    return list(
        shared(
            ("accounts.team_ids", user.pk),
            lambda: tuple(user.staff_profile.teams.values_list("pk", flat=True)),  # type: ignore[union-attr]
        )
    )


def can_register_patient(user: AnyUser) -> bool:
    # An integration client sends inbound referrals (FHIR ServiceRequest) through the same intake as
    # the form; it cannot vouch for a known child (it has no relationship and no records role).
    return staff_role(user) in COORDINATING_ROLES or is_integration_client(user)


def is_integration_client(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.kind == User.Kind.CLIENT


def caseload_import_team_ids(user: AnyUser) -> list[int] | None:
    """The teams whose caseload this user may import and export: every team (None) for the clinic
    administrator (the records role), the nurse specialist's own teams, and none for anyone else."""
    role = staff_role(user)
    if role == Role.CLINIC_ADMIN:
        return None
    if role == Role.NURSE_SPECIALIST:
        return team_ids(user)
    return []


def can_import_caseload(user: AnyUser, team_id: int | None = None) -> bool:
    """The clinic administrator, or a nurse specialist for one of her own teams (any of them when
    ``team_id`` is None)."""
    teams = caseload_import_team_ids(user)
    if teams is None:
        return staff_role(user) is not None
    return bool(teams) and (team_id is None or team_id in teams)


def can_break_glass(user: AnyUser) -> bool:
    return staff_role(user) is not None


def can_review_break_glass(user: AnyUser) -> bool:
    return staff_role(user) == Role.CLINIC_ADMIN


# The clinical record (pathways).


def can_record_diagnosis(user: AnyUser) -> bool:
    return staff_role(user) in _PRESCRIBERS


def can_record_score(user: AnyUser) -> bool:
    return staff_role(user) in {Role.CONSULTANT, Role.NURSE_SPECIALIST}


def can_manage_treatment(user: AnyUser) -> bool:
    return staff_role(user) in _PRESCRIBERS


def can_record_relapse(user: AnyUser) -> bool:
    return staff_role(user) in {Role.CONSULTANT, Role.NURSE_SPECIALIST}


def can_manage_investigations(user: AnyUser) -> bool:
    return staff_role(user) in {Role.CONSULTANT, Role.NURSE_SPECIALIST, Role.SURGEON}


def can_manage_tumour(user: AnyUser) -> bool:
    return staff_role(user) in {Role.CONSULTANT, Role.SURGEON}


def can_change_track(user: AnyUser) -> bool:
    return staff_role(user) in _CLINICIANS


def can_manage_scales(user: AnyUser) -> bool:
    return staff_role(user) == Role.CLINIC_ADMIN


# Emergency plans: a nurse specialist or consultant prepares a draft; only a consultant approves
# it for families (the child's own care team, checked by the app).


def can_prepare_emergency_plan(user: AnyUser) -> bool:
    return staff_role(user) in {Role.CONSULTANT, Role.NURSE_SPECIALIST}


def can_approve_emergency_plan(user: AnyUser) -> bool:
    return staff_role(user) in _PRESCRIBERS
