"""Who may do what to a referral. Each assumes the referral already came from referrals_visible_to."""

from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import StaffProfile, User
from apps.accounts.roles import staff_role, team_ids, team_ids_subquery
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient

from .models import Referral


def can_triage(user: AnyUser, referral: Referral) -> bool:
    """Only members of the receiving team triage, book and close a referral."""
    return referral.target_team_id in team_ids(user)


def can_cancel_referral(user: AnyUser, referral: Referral) -> bool:
    """The referrer or the receiving team may cancel a referral or add letters to it."""
    return referral.source_user_id == getattr(user, "pk", None) or can_triage(user, referral)


def is_records_role(user: AnyUser) -> bool:
    """The records team (clinic administrators) match referrals from outside to children's records."""
    return staff_role(user) == StaffProfile.Role.CLINIC_ADMIN


def can_confirm_identity(user: AnyUser, *, patient: Patient, target_team_id: int) -> bool:
    """Who may say that a referral is about this child: someone who already looks after the child
    (not through break-glass), or the records team when not on the receiving team. So nobody makes
    a child visible to their own team by their own action."""
    if access.routinely_visible_patients(user).filter(pk=patient.pk).exists():
        return True
    return is_records_role(user) and target_team_id not in team_ids(user)


def open_referral_scope(user: User) -> QuerySet[Referral, tuple[int]]:
    """The scope provider behind the "open referral" basis: the ids of children with an open referral
    to one of the user's teams whose identity is confirmed (made by someone who already looked after
    the child, or confirmed by them or the records team). Read through the partial index
    ``referral_open_confirmed``."""
    open_confirmed = Referral.objects.filter(
        target_team__in=team_ids_subquery(user),
        status__in=Referral.OPEN_STATUSES,
        identity_status=Referral.Identity.CONFIRMED,
    )
    return open_confirmed.order_by().values_list("patient_id")


def open_referral_team_scope(team_ids: list[int]) -> Exists:
    """The same "open referral" basis for an integration client bound to teams."""
    return Exists(
        Referral.objects.filter(
            patient=OuterRef("pk"),
            target_team__in=team_ids,
            status__in=Referral.OPEN_STATUSES,
            identity_status=Referral.Identity.CONFIRMED,
        )
    )
