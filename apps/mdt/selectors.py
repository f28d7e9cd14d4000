"""Reads for MDT meetings. A meeting's schedule is staff information; each child on its list is shown
only to someone who may see that child (``visible_patients``), and the rest are only counted."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.types import AnyUser
from apps.pathways.selectors import PathwaySummary, pathway_summary
from apps.patients import access

from .models import Action, Item, Meeting, Outcome, OutcomeRelease


def meetings_for(user: AnyUser) -> QuerySet[Meeting]:
    """Every meeting for staff (a team's schedule names no child); none for anyone else."""
    if roles.staff_role(user) is None:
        return Meeting.objects.none()
    return Meeting.objects.select_related("team", "chair")


def upcoming_meetings(user: AnyUser, *, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    since = (now or timezone.now()) - datetime.timedelta(hours=12)
    return meetings_for(user).filter(starts_at__gte=since)


def meeting_get(*, user: AnyUser, pk: int) -> Meeting:
    return get_object_or_404(meetings_for(user), pk=pk)


def _items(user: AnyUser) -> QuerySet[Item]:
    return (
        Item.objects.filter(patient__in=access.visible_patient_ids(user))
        .select_related("patient", "patient__named_nurse", "added_by", "carried_from__meeting", "outcome")
        .prefetch_related(
            "scores",
            "investigations",
            "relapses",
            "outcome__agreed_by",
            Prefetch("outcome__actions", queryset=Action.objects.select_related("owner", "task")),
        )
    )


def items_of(*, user: AnyUser, meeting: Meeting) -> list[Item]:
    """The children on a meeting's list that this user may see, in the chair's order."""
    return list(_items(user).filter(meeting=meeting))


def hidden_item_count(*, user: AnyUser, meeting: Meeting) -> int:
    """How many children on the list this user may not see (they are counted, never named)."""
    return Item.objects.filter(meeting=meeting).exclude(patient__in=access.visible_patient_ids(user)).count()


def item_get(*, user: AnyUser, pk: int) -> Item:
    """One listed child: 404 for anyone who may not see the child (or is not staff)."""
    if roles.staff_role(user) is None:
        raise Http404
    return get_object_or_404(_items(user).select_related("meeting", "meeting__chair", "meeting__team"), pk=pk)


def item_with_outcome_get(*, user: AnyUser, pk: int) -> Outcome:
    item = item_get(user=user, pk=pk)
    outcome = getattr(item, "outcome", None)
    if outcome is None:
        raise Http404
    return outcome


@dataclass
class ScreenRow:
    """One child on the shared screen: the listing and the pathway summary the review page uses."""

    item: Item
    summary: PathwaySummary


def shared_screen_rows(*, user: AnyUser, meeting: Meeting) -> list[ScreenRow]:
    """Each visible child with their pathway summary: a fixed number of queries per child, so a list
    of a dozen children stays quick."""
    return [
        ScreenRow(item, pathway_summary(patient=item.patient))
        for item in items_of(user=user, meeting=meeting)
    ]


def attendees_of(meeting: Meeting) -> list:
    return list(meeting.attendees.select_related("user"))


def staff_choices() -> QuerySet:
    from apps.accounts.models import User

    return User.objects.filter(kind=User.Kind.STAFF, is_active=True, staff_profile__isnull=False).order_by(
        "full_name"
    )


def released_outcomes_for_family(*, patient_id: int) -> list[OutcomeRelease]:
    """What the family has been told: the latest released version of each outcome, newest meeting
    first, in one query. Prepared versions not yet released are left out."""
    rows = (
        OutcomeRelease.objects.filter(outcome__item__patient_id=patient_id, released_at__isnull=False)
        .select_related("outcome__item__meeting", "document")
        .order_by("-outcome__item__meeting__starts_at", "outcome_id", "-version")
    )
    latest: dict[int, OutcomeRelease] = {}
    for row in rows:
        latest.setdefault(row.outcome_id, row)
    return list(latest.values())
