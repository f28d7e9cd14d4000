"""Reads for watch periods: what is active on a day (for the caseload, the diary, the apps beside the
watch through ``carecoord.watch``), the policy, and a child's history."""

import datetime
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from carecoord.watch import WatchState

from .models import WatchEvent, WatchPeriod, WatchPolicy

Status = WatchPeriod.Status


def active_on(day: datetime.date, prefix: str = "") -> Q:
    """A watch covers ``day``: it has started, its last day has not passed, and it was not ended
    before (``ended_on`` is the first day without the watch)."""
    p = prefix
    return Q(**{f"{p}starts_on__lte": day, f"{p}ends_on__gte": day}) & (
        Q(**{f"{p}status": Status.OPEN}) | Q(**{f"{p}ended_on__gt": day})
    )


def watches_active(patient_ids: Iterable[int], on: datetime.date) -> dict[int, WatchState]:
    """``carecoord.watch``'s ``active``: the watch of each child on ``on`` (one query)."""
    rows = WatchPeriod.objects.filter(active_on(on), patient_id__in=list(patient_ids)).order_by("starts_on")
    return {w.patient_id: WatchState(w.reason, w.ends_on) for w in rows}


def patients_in_watch(on: datetime.date) -> set[int]:
    """``carecoord.watch``'s ``in_watch``: every child with a watch on ``on`` (one query)."""
    return set(WatchPeriod.objects.filter(active_on(on)).values_list("patient_id", flat=True))


def watch_in_force(patient_id: int, on: datetime.date) -> WatchPeriod | None:
    return WatchPeriod.objects.filter(active_on(on), patient_id=patient_id).first()


def open_watch(patient_id: int, on: datetime.date) -> WatchPeriod | None:
    """The watch staff can extend or end today: open and not past its last day."""
    return WatchPeriod.objects.filter(patient_id=patient_id, status=Status.OPEN, ends_on__gte=on).first()


def history_of(patient_id: int) -> QuerySet[WatchPeriod]:
    """Every watch of the child, newest first, with its events (two queries)."""
    events = WatchEvent.objects.select_related("actor", "trigger").order_by("at", "id")
    return (
        WatchPeriod.objects.filter(patient_id=patient_id)
        .select_related("trigger", "opened_by")
        .prefetch_related(Prefetch("events", queryset=events))
    )


def policy() -> WatchPolicy:
    """The policy row (seeded as demo values); an unsaved default if the clinic deleted it."""
    return WatchPolicy.objects.filter(code="default").first() or WatchPolicy()
