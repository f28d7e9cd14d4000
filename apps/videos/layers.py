"""Videos as markers on the severity chart (``carecoord.family_layers``): one query per child."""

import datetime

from django.urls import reverse

from carecoord.family_layers import FamilyLayers, FamilyMarker

from .models import Video


def video_markers(patient_id: int, start: datetime.date, end: datetime.date) -> FamilyLayers:
    """Each ready video the family sent between ``start`` and ``end``, on the day it started (or was
    sent), opening the staff video page at that video. The chart's caller has checked access."""
    rows = Video.objects.filter(patient_id=patient_id, status=Video.Status.READY).only(
        "pk", "patient_id", "seen_at", "created_at", "note", "outcome"
    )
    markers = []
    for video in rows:
        if not start <= video.day <= end:
            continue
        label = "Family video" + (f": {video.note}" if video.note else "")
        if video.outcome:
            label += f" ({video.get_outcome_display().lower()})"
        url = reverse("videos:staff_list", args=[patient_id]) + f"#video-{video.pk}"
        markers.append(FamilyMarker(kind="video", day=video.day, label=label, url=url))
    return FamilyLayers(markers=markers)
