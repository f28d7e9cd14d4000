"""Videos added to the record, on the child's pathway timeline (registered when the app is ready)."""

from collections.abc import Iterable

from apps.pathways.timeline import TimelineEntry, timeline_source
from apps.patients.models import Patient

from .models import Video


@timeline_source("family_videos")
def video_entries(patient: Patient) -> Iterable[TimelineEntry]:
    rows = Video.objects.filter(patient=patient, added_to_record_at__isnull=False).select_related(
        "added_to_record_by"
    )
    for v in rows:
        outcome = f" ({v.get_outcome_display().lower()})" if v.outcome else ""
        yield TimelineEntry(
            kind="family_video",
            day=v.day,
            at=v.seen_at or v.created_at,
            actor=v.added_to_record_by.full_name if v.added_to_record_by else "",
            summary=f"Family video{outcome}: {v.record_note}",
            url=f"/patients/{patient.pk}/videos/#video-{v.pk}",
            specialty="neurology",
        )
