"""Who may see which child: the one choke point for scoping.

Every selector, view and API queryset that touches a child's record starts from
``visible_patients(user)``. Anything outside it is a 404, so a missing record and
a forbidden one look the same. Predicates about a child's record (who may edit it, manage its
care team or guardians) live here too; those that look only at the role are in
``apps/accounts/roles.py``, and those about a referral or a task in their apps' ``permissions.py``.

Each way in is a *basis of access*, recorded on every AccessEvent. Guardian, named nurse, care
team and break-glass are built in; apps higher up register more through
``register_scope_provider`` (referrals registers "open referral" in its AppConfig.ready()), so
this module imports none of them. No basis can be created by a user for themselves.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.accounts.roles import COORDINATING_ROLES, is_family, staff_role, team_ids_subquery
from apps.accounts.types import AnyUser
from carecoord import lookups  # noqa: F401  (registers the in_ids lookup)
from carecoord.request_memo import shared, shared_each

from .models import CareTeamMember, Guardian, Patient

Role = StaffProfile.Role


def current_care_team(day: datetime.date | None = None) -> Q:
    """Q on CareTeamMember for memberships current today (or on ``day``)."""
    day = day or timezone.localdate()
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


# Each basis is a queryset of one column, the ids of the children it reaches, read through its own
# index. The scope is ``id IN (branch UNION branch ...)``: PostgreSQL estimates a union from its
# branches (300 children for a 300-child caseload), where an OR of EXISTS over Patient was estimated
# as a fraction of the whole hospital (10,150 of 20,000), which chose hashed subplans, sequential
# scans and the JIT for every read built on it.
PatientIds = QuerySet[Any]


def _ids(queryset: QuerySet[Any], column: str = "patient_id") -> PatientIds:
    return queryset.order_by().values_list(column)


def _named_nurse_ids(user: User) -> PatientIds:
    return _ids(Patient.objects.filter(named_nurse=user), "pk")


def _care_team_ids(user: User) -> PatientIds:
    return _ids(CareTeamMember.objects.filter(current_care_team(), user=user))


def _live_break_glass_ids(user: User) -> PatientIds:
    from apps.audit.models import BreakGlassGrant  # audit's models point at patients; import late

    return _ids(BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now()))


def _covering_absent_nurse_ids(user: User) -> PatientIds:
    """Cover (HAZ-14): a colleague on an absent named nurse's team sees her children while she is away."""
    from apps.accounts.models import StaffAbsence

    # Written so that PostgreSQL plans it quickly (team ids from the membership table alone) and
    # estimates it from the absences (about 100 children, not a tenth of the hospital).
    absent = StaffAbsence.objects.on(timezone.localdate()).filter(
        user__staff_profile__teams__in=team_ids_subquery(user)
    )
    return _ids(Patient.objects.filter(named_nurse__in=absent.values("user_id")), "pk")


def _guardian_ids(user: User) -> PatientIds:
    # Only a link with a legal basis gives access (HAZ-10: parental responsibility, an authorisation, or self).
    return _ids(Guardian.objects.with_legal_basis().filter(user=user, is_active=True))


# --- Bases of access ---------------------------------------------------------------------------------

# The values of AccessEvent.basis (audit owns the column; these are the words).
GUARDIAN = "guardian"
NAMED_NURSE = "named_nurse"
CARE_TEAM = "care_team"
OPEN_REFERRAL = "open_referral"
COVER = "cover"  # a colleague on the team of an absent named nurse (HAZ-14)
BREAK_GLASS = "break_glass"
ADMIN = "admin"  # a records role reading outside visible_patients (identity queue)
UNKNOWN = "unknown"

# A staff scope: given the user, the ids of the children it reaches, as a one-column queryset
# (``Model.objects.filter(...).values_list("patient_id")``) that an index serves.
ScopeFn = Callable[[User], PatientIds]


@dataclass(frozen=True)
class ScopeProvider:
    basis: str
    scope: ScopeFn
    routine: bool  # False only for break-glass: emergency access, not a relationship


_PROVIDERS: dict[str, ScopeProvider] = {}


def register_scope_provider(basis: str, scope: ScopeFn, *, routine: bool = True) -> None:
    """Let an app higher up add a way for staff to see a child (called from its AppConfig.ready()).

    Each provider adds one branch (a one-column queryset of child ids) to the union behind
    ``visible_patients``, so its query stays one query. A provider must describe a relationship
    someone else gave the user (an open, confirmed referral to their team), never one the user can
    make for themselves.
    """
    _PROVIDERS[basis] = ScopeProvider(basis, scope, routine)


# A team scope: given team ids, a condition on Patient (for an integration client bound to teams).
TeamScopeFn = Callable[[list[int]], Q | Combinable]
_TEAM_PROVIDERS: dict[str, TeamScopeFn] = {}


def register_team_scope_provider(basis: str, scope: TeamScopeFn) -> None:
    """Let an app higher up add a way for a team-bound client to see a child (referrals: an open,
    confirmed referral to one of the teams). Called from its AppConfig.ready()."""
    _TEAM_PROVIDERS[basis] = scope


def visible_patients_for_teams(team_ids: Iterable[int]) -> QuerySet[Patient]:
    """The children an integration client bound to these teams may see: a current care-team member or
    the named nurse is on one of the teams, or a registered team provider holds (an open, confirmed
    referral to one of them). No break-glass: a client never has emergency access."""
    ids = sorted(set(team_ids))
    if not ids:
        return Patient.objects.none()
    condition = Q(named_nurse__staff_profile__teams__in=ids) | Q(
        Exists(
            CareTeamMember.objects.filter(
                current_care_team(), patient=OuterRef("pk"), user__staff_profile__teams__in=ids
            )
        )
    )
    for scope in _TEAM_PROVIDERS.values():
        condition |= scope(ids)  # type: ignore[assignment]  # Q accepts an Exists
    return Patient.objects.filter(Exists(Patient.objects.filter(condition, pk=OuterRef("pk"))))


def _caseload_scopes(user: User) -> list[tuple[str, PatientIds]]:
    """The bases of a caseload: the children a member of staff looks after (built once per page view,
    like ``_staff_scopes``)."""
    return shared(
        ("access.caseload_scopes", user.pk),
        lambda: [
            (NAMED_NURSE, _named_nurse_ids(user)),
            (CARE_TEAM, _care_team_ids(user)),
            (COVER, _covering_absent_nurse_ids(user)),
        ],
    )


def _staff_scopes(user: User, *, routine_only: bool = False) -> list[tuple[str, PatientIds]]:
    """Each basis with its children's ids, in the order the basis of a read is chosen.

    Built once per page view (the querysets are lazy: each use reads the tables as they are then)."""
    return shared(
        ("access.staff_scopes", user.pk, routine_only), lambda: _build_staff_scopes(user, routine_only)
    )


def _build_staff_scopes(user: User, routine_only: bool) -> list[tuple[str, PatientIds]]:
    scopes = list(_caseload_scopes(user))  # a copy: the shared list stays as it was
    scopes += [(p.basis, p.scope(user)) for p in _PROVIDERS.values() if p.routine]
    if not routine_only:
        scopes.append((BREAK_GLASS, _live_break_glass_ids(user)))
        scopes += [(p.basis, p.scope(user)) for p in _PROVIDERS.values() if not p.routine]
    return scopes


def _union_ids(scopes: list[tuple[str, PatientIds]]) -> PatientIds:
    """The ids any of these bases reaches: ``branch UNION branch ...``."""
    first, *rest = [ids for _basis, ids in scopes]
    return first.union(*rest) if rest else first


def _none() -> PatientIds:
    return Patient.objects.none().values_list("pk")


def _patients(ids: PatientIds, many: bool) -> QuerySet[Patient]:
    """``many``: for a list of them, read by ``= ANY(ARRAY(ids))`` (carecoord/lookups.py: one pass over
    the ids, then the index); otherwise ``IN``, which checks one child without listing them all."""
    if ids.query.is_empty():
        return Patient.objects.none()
    return Patient.objects.filter(pk__in_ids=ids) if many else Patient.objects.filter(pk__in=ids)


def visible_patient_ids(user: AnyUser) -> PatientIds:
    """The ids of ``visible_patients(user)``, as one column: for a filter on another table's child,
    ``patient__in=visible_patient_ids(user)``. It reads each basis from its own index; a filter on
    ``visible_patients`` joins the Patient table as well, which PostgreSQL plans as a scan of every child
    (the cost that grew with the hospital, issue 12).

    - A family user: children with an active guardian link that has a legal basis (HAZ-10).
    - Staff: children they are named nurse for, on whose care team they are, whose absent named
      nurse they cover (HAZ-14), reached through a registered provider (an open, confirmed referral
      to one of their teams), or under a live break-glass grant of theirs.
    - Anyone else (anonymous, inactive, staff without a profile): none.
    """
    if not isinstance(user, User):
        return _none()
    if is_family(user):
        return _guardian_ids(user)
    if staff_role(user) is None:
        return _none()
    return _union_ids(_staff_scopes(user))


def visible_patients(user: AnyUser, *, many: bool = False) -> QuerySet[Patient]:
    """The children this user may see (who they are: ``visible_patient_ids``); ``many=True`` to list them."""
    return _patients(visible_patient_ids(user), many)


def visible_patient_get(user: AnyUser, pk: Any, queryset: QuerySet[Patient] | None = None) -> Patient:
    """One child this user may see (from ``queryset``, to load more with it), else 404: a missing
    child and a forbidden one look the same.

    Checked through the child's basis of access (``access_bases``: the same branches as
    ``visible_patients``), before the child's row is read; the page's audit row then reuses it.
    """
    if not can_see(user, pk):
        raise Http404
    return get_object_or_404(Patient.objects.all() if queryset is None else queryset, pk=pk)


def can_see(user: AnyUser, pk: Any) -> bool:
    """Whether this user may see this child (``visible_patients`` holds it), read through its basis of
    access, which a page's audit row then reuses. Anything but a child's id is a child no one sees."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return False
    return pk in access_bases(user, [pk])


def routinely_visible_patient_ids(user: AnyUser) -> PatientIds:
    """Staff access without break-glass, as one column of ids: a relationship someone gave them."""
    if not isinstance(user, User) or staff_role(user) is None:
        return _none()
    return _union_ids(_staff_scopes(user, routine_only=True))


def routinely_visible_patients(user: AnyUser) -> QuerySet[Patient]:
    """Staff access without break-glass: a relationship someone gave them (checked a child at a time)."""
    return _patients(routinely_visible_patient_ids(user), many=False)


def caseload_patient_ids(user: AnyUser) -> PatientIds:
    """The ids of ``caseload_patients(user)``, as one column (see ``visible_patient_ids``)."""
    if not isinstance(user, User) or staff_role(user) is None:
        return _none()
    return _union_ids(_caseload_scopes(user))


def caseload_patients(user: AnyUser, *, many: bool = False) -> QuerySet[Patient]:
    """The children a member of staff looks after: named-nurse caseload and care-team children, and an
    absent colleague's caseload while covering for her."""
    return _patients(caseload_patient_ids(user), many)


def access_bases(user: AnyUser, patient_ids: Iterable[int]) -> dict[int, str]:
    """Why this user may see each of these children: one query for the whole batch.

    The first basis that holds wins (named nurse, care team, open referral, ..., break-glass), so a
    read is called break-glass only when nothing routine covers it. A child the user cannot see
    (a records role working the identity queue) has no entry.
    """
    ids = list(dict.fromkeys(patient_ids))
    if not ids or not isinstance(user, User):
        return {}
    # Within a page view each child's basis is read once: the audit row and the break-glass banner
    # ask the same question.
    return shared_each(("access.basis", user.pk), ids, lambda missing: _read_bases(user, missing))


def _read_bases(user: User, ids: list[int]) -> dict[int, str]:
    if is_family(user):
        scopes: list[tuple[str, PatientIds]] = [(GUARDIAN, _guardian_ids(user))]
    elif staff_role(user) is not None:
        scopes = _staff_scopes(user)
    else:
        return {}
    flags = {f"_basis_{i}": _as_flag(Q(pk__in=branch)) for i, (_basis, branch) in enumerate(scopes)}
    rows = Patient.objects.filter(pk__in=ids).annotate(**flags).values("pk", *flags)
    bases: dict[int, str] = {}
    for row in rows:
        held = [basis for i, (basis, _c) in enumerate(scopes) if row[f"_basis_{i}"]]
        if held:
            bases[row["pk"]] = held[0]
    return bases


def _as_flag(condition: Q) -> Combinable:
    return ExpressionWrapper(condition, output_field=BooleanField())


def is_break_glass_access(user: AnyUser, patient: Patient) -> bool:
    """True when staff see this child only because of a break-glass grant (nothing routine holds).

    Read through ``access_bases``: the page's audit row has usually just read it."""
    if staff_role(user) is None:
        return False
    return access_bases(user, [patient.pk]).get(patient.pk) == BREAK_GLASS


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


def clinical_record_patient_get(user: AnyUser, pk: Any, queryset: QuerySet[Patient] | None = None) -> Patient:
    """One child whose clinical record this user may read (``visible_patient_get``, staff only), else 404."""
    if staff_role(user) is None:
        raise Http404
    return visible_patient_get(user, pk, queryset)


def clinical_record_patient_ids(user: AnyUser) -> PatientIds:
    """Their ids as one column, for ``patient__in=`` on another table (see ``visible_patient_ids``)."""
    if staff_role(user) is None:
        return _none()
    return visible_patient_ids(user)
