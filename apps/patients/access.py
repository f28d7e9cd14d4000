"""Who may see which child: the one choke point for scoping.

Every selector, view and API queryset that touches a child's record starts from
``visible_patients(user)``. Anything outside it is a 404, so a missing record and
a forbidden one look the same. Predicates about a child's record (who may edit it, manage its
care team or guardians) live here too; those that look only at the role are in
``apps/accounts/roles.py``.
"""

import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.accounts.roles import COORDINATING_ROLES, is_family, staff_role, team_ids
from apps.accounts.types import AnyUser

from .models import CareTeamMember, Guardian, Patient

if TYPE_CHECKING:
    from apps.referrals.models import Referral
    from apps.tasks.models import Task

Role = StaffProfile.Role


def current_care_team(day: datetime.date | None = None) -> Q:
    """Q on CareTeamMember for memberships current today (or on ``day``)."""
    day = day or timezone.localdate()
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def _on_care_team(user: User) -> Exists:
    return Exists(CareTeamMember.objects.filter(current_care_team(), patient=OuterRef("pk"), user=user))


def _live_break_glass(user: User) -> Exists:
    from apps.audit.models import BreakGlassGrant  # audit's models point at patients; import late

    return Exists(
        BreakGlassGrant.objects.filter(patient=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
    )


def _open_referral_to_my_teams(user: User) -> Exists:
    from apps.referrals.models import Referral  # referrals depend on patients; import late

    return Exists(
        Referral.objects.filter(
            patient=OuterRef("pk"),
            target_team__members__user=user,
            status__in=Referral.OPEN_STATUSES,
        )
    )


def visible_patients(user: AnyUser) -> QuerySet[Patient]:
    """The children this user may see.

    - A family user: children with an active guardian link.
    - Staff: children on their care team or caseload, children with an open referral to one
      of their teams, and children under a live break-glass grant of theirs.
    - Anyone else (anonymous, inactive, staff without a profile): none.
    """
    if not isinstance(user, User):
        return Patient.objects.none()
    if is_family(user):
        return Patient.objects.filter(
            Exists(Guardian.objects.filter(patient=OuterRef("pk"), user=user, is_active=True))
        )
    if staff_role(user) is None:
        return Patient.objects.none()
    return Patient.objects.filter(
        Q(named_nurse=user) | _on_care_team(user) | _open_referral_to_my_teams(user) | _live_break_glass(user)
    )


def routinely_visible_patients(user: AnyUser) -> QuerySet[Patient]:
    """Staff access without break-glass: caseload, care-team and referred-to-my-team children."""
    if not isinstance(user, User) or staff_role(user) is None:
        return Patient.objects.none()
    return Patient.objects.filter(
        Q(named_nurse=user) | _on_care_team(user) | _open_referral_to_my_teams(user)
    )


def caseload_patients(user: AnyUser) -> QuerySet[Patient]:
    """The children a member of staff looks after: named-nurse caseload and care-team children."""
    if not isinstance(user, User) or staff_role(user) is None:
        return Patient.objects.none()
    return Patient.objects.filter(Q(named_nurse=user) | _on_care_team(user))


def is_break_glass_access(user: AnyUser, patient: Patient) -> bool:
    """True when staff see this child only because of a break-glass grant."""
    if staff_role(user) is None:
        return False
    return not routinely_visible_patients(user).filter(pk=patient.pk).exists()


# Role predicates. Each assumes the patient already came from visible_patients(user).


def can_edit_patient(user: AnyUser, patient: Patient) -> bool:
    return staff_role(user) in COORDINATING_ROLES


def can_manage_care_team(user: AnyUser, patient: Patient) -> bool:
    return staff_role(user) in COORDINATING_ROLES


def can_manage_guardians(user: AnyUser, patient: Patient) -> bool:
    return staff_role(user) in COORDINATING_ROLES


# The clinical record (pathways) is for staff only: families see their child through the portal.


def clinical_record_patients(user: AnyUser) -> QuerySet[Patient]:
    """Children whose clinical record this user may read: visible_patients for staff, none for families."""
    if staff_role(user) is None:
        return Patient.objects.none()
    return visible_patients(user)


def can_triage(user: AnyUser, referral: "Referral") -> bool:
    """Only members of the receiving team triage, book and close a referral."""
    return referral.target_team_id in team_ids(user)


def can_cancel_referral(user: AnyUser, referral: "Referral") -> bool:
    """The referrer or the receiving team may cancel a referral or add letters to it."""
    return referral.source_user_id == getattr(user, "pk", None) or can_triage(user, referral)


def can_work_task(user: AnyUser, task: "Task") -> bool:
    """The assignee, or any member of the task's team, may work a task."""
    if staff_role(user) is None:
        return False
    return task.assignee_id == user.pk or (task.team_id is not None and task.team_id in team_ids(user))
