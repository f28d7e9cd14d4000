"""Watch changes on the pathway timeline: opened, extended, ended early, ran its course."""

from collections.abc import Iterable

from django.utils import timezone

from apps.pathways.models import Specialty
from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .models import WatchEvent


@timeline_source("watch")
def watch_entries(patient: Patient) -> Iterable[TimelineEntry]:
    rows = WatchEvent.objects.filter(watch__patient=patient).select_related("actor", "watch")
    for e in rows:
        until = (
            f" (until {e.to_ends_on:%-d %b})" if e.to_ends_on and e.kind != WatchEvent.Kind.RAN_OUT else ""
        )
        yield TimelineEntry(
            kind="watch",
            day=timezone.localdate(e.at),
            at=e.at,
            actor=e.actor.full_name if e.actor else "CareCoord",
            summary=f"Watch {e.get_kind_display().lower()}: {e.reason}{until}",
            url=f"/patients/{patient.pk}/watch/",
            specialty=Specialty.NURSING,
        )
