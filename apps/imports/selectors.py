"""Reads for caseload import and export."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import CareTeamMember, Guardian, Patient

from .models import CaseloadImport, ImportRow, Outcome


def import_teams(user: AnyUser) -> QuerySet[Team]:
    """The teams whose caseload this user may import or export."""
    ids = roles.caseload_import_team_ids(user)
    if ids is None:
        return Team.objects.all()
    return Team.objects.filter(pk__in=ids)


def imports_of(*, user: AnyUser) -> QuerySet[CaseloadImport]:
    """A user's own imports: an import (and its plan, which names children) is for the one who made it."""
    if not isinstance(user, User) or roles.staff_role(user) is None:
        return CaseloadImport.objects.none()
    return CaseloadImport.objects.filter(created_by=user).select_related("team")


def import_get(*, user: AnyUser, pk: int) -> CaseloadImport:
    return get_object_or_404(imports_of(user=user), pk=pk)


def import_rows(*, job: CaseloadImport, outcome: str = "") -> QuerySet[ImportRow]:
    """The plan's rows in file order; only refused ones with ``outcome="refused"``."""
    rows = job.rows.order_by("number")
    if outcome == Outcome.REFUSED:
        field = "applied_outcome" if job.status == CaseloadImport.Status.APPLIED else "outcome"
        rows = rows.filter(**{field: Outcome.REFUSED})
    return rows


def team_caseload(*, user: User, team: Team) -> QuerySet[Patient]:
    """The children of a team's caseload (named nurse on the team) that this user may export: as far as
    they see them routinely (not through break-glass), or all of it for the clinic administrator (the records role)."""
    caseload = Patient.objects.filter(named_nurse__staff_profile__teams=team)
    if roles.staff_role(user) != roles.Role.CLINIC_ADMIN:
        caseload = caseload.filter(pk__in=access.routinely_visible_patient_ids(user))
    return (
        caseload.select_related("named_nurse")
        .prefetch_related(
            Prefetch(
                "guardians",
                queryset=Guardian.objects.filter(is_active=True).select_related("user").order_by("pk"),
                to_attr="active_guardians",
            ),
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.filter(access.current_care_team())
                .select_related("user")
                .order_by("pk"),
                to_attr="current_members",
            ),
        )
        .order_by("family_name", "given_name", "pk")
    )
