"""MDT outcomes on the child's pathway timeline (registered when the app is ready): one query."""

from collections.abc import Iterable

from django.utils import timezone

from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .models import Outcome


@timeline_source("mdt_outcomes")
def outcome_entries(patient: Patient) -> Iterable[TimelineEntry]:
    rows = Outcome.objects.filter(item__patient=patient).select_related("item__meeting", "recorded_by")
    for o in rows:
        meeting = o.item.meeting
        yield TimelineEntry(
            kind="mdt_outcome",
            day=timezone.localdate(meeting.starts_at),
            at=o.recorded_at,
            actor=o.recorded_by.full_name,
            summary=f"{meeting.title}: {o.decision}" + (" (amended)" if o.amended_at else ""),
            url=f"/mdt/items/{o.item_id}/",
            specialty="neurology",
        )
