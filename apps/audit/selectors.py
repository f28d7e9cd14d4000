import datetime

from django.db.models import Model, QuerySet

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser

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


def access_events_by_basis(*, user: AnyUser, basis: str) -> QuerySet[AccessEvent]:
    """Every read made on one basis of access, newest first (for the clinic administrator's review)."""
    if not roles.can_review_break_glass(user):
        return AccessEvent.objects.none()
    return AccessEvent.objects.filter(basis=basis).select_related("user", "patient")


def break_glass_grants_of(*, user: User) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(user=user).select_related("patient")
