import datetime

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient

from .models import AccessEvent, BreakGlassGrant


def access_events_for_patient(
    *,
    patient: Patient,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AccessEvent]:
    """Who read this child's record, newest first. The caller has already scoped ``patient``."""
    events = AccessEvent.objects.filter(patient=patient).select_related("user", "user__staff_profile")
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def break_glass_grants_for_review(
    *, user: AnyUser, unreviewed_only: bool = True
) -> QuerySet[BreakGlassGrant]:
    if not access.can_review_break_glass(user):
        return BreakGlassGrant.objects.none()
    grants = BreakGlassGrant.objects.select_related("user", "patient", "reviewed_by")
    if unreviewed_only:
        grants = grants.filter(reviewed_at__isnull=True)
    return grants


def break_glass_grants_of(*, user: User) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(user=user).select_related("patient")
