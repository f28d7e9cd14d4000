import datetime

from django.db.models import Model, QuerySet
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser
from carecoord import patient_scope

from .models import AccessEvent, BreakGlassGrant


def access_events_for_patient(
    *,
    patient: Model,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AccessEvent]:
    """Who read this child's record, newest first. The caller has already scoped ``patient``."""
    events = AccessEvent.objects.filter(patient_id=patient.pk).select_related("user", "user__staff_profile")
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def break_glass_grants_for_review(
    *, user: AnyUser, unreviewed_only: bool = True
) -> QuerySet[BreakGlassGrant]:
    if not roles.can_review_break_glass(user):
        return BreakGlassGrant.objects.none()
    grants = BreakGlassGrant.objects.select_related("user", "patient", "reviewed_by")
    if unreviewed_only:
        grants = grants.filter(reviewed_at__isnull=True)
    return grants


def break_glass_grants_of(*, user: User) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(user=user).select_related("patient")


def break_glass_patient_ids(user: AnyUser, patient_ids: list[int]) -> set[int]:
    """Of these children, those this user sees only through a live break-glass grant."""
    if not isinstance(user, User) or roles.staff_role(user) is None:
        return set()
    granted = set(
        BreakGlassGrant.objects.filter(
            user=user, patient_id__in=patient_ids, expires_at__gt=timezone.now()
        ).values_list("patient_id", flat=True)
    )
    if not granted:
        return set()
    routine = patient_scope.routinely_visible_patients(user).filter(pk__in=granted)
    return granted - set(routine.values_list("pk", flat=True))
