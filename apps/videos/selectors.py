"""Reads of family videos, always from ``visible_patients``.

Staff see every video of a child they may see. A family sees the videos it sent, and those another
family account of the same child sent and chose to share; never another household's otherwise.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.audit.models import AccessEvent
from apps.patients import access
from apps.patients.models import Patient

from .models import Video


def videos_visible(user: User) -> QuerySet[Video]:
    videos = Video.objects.filter(patient__in=access.visible_patient_ids(user))
    if roles.is_family(user):
        videos = videos.filter(Q(uploaded_by=user) | Q(share_with_family=True))
    elif roles.staff_role(user) is None:
        return Video.objects.none()
    return videos.select_related("patient", "uploaded_by", "reviewed_by", "added_to_record_by")


def video_get(*, user: User, pk: int) -> Video:
    """One video the user may see; 404 otherwise (missing and forbidden look the same)."""
    return get_object_or_404(videos_visible(user), pk=pk)


def videos_of(*, user: User, patient: Patient) -> QuerySet[Video]:
    return videos_visible(user).filter(patient=patient).exclude(status=Video.Status.DELETED)


def videos_to_review(videos: QuerySet[Video]) -> list[Video]:
    """Unreviewed ready videos first (newest first), then the rest."""
    rows = list(videos)
    return sorted(rows, key=lambda v: (v.status != Video.Status.READY or bool(v.reviewed_at),))


# A later part of a stream is not a new play, unless nobody recorded this user's play of the child's
# videos this recently: a client that skips byte 0 (``bytes=1-``) is still audited.
PLAY_AUDIT_WINDOW = datetime.timedelta(minutes=30)


def play_recorded_lately(*, user: Any, video: Video, what: str) -> bool:
    """Whether ``user``'s play (or download) of ``video``'s child was audited within the window."""
    return AccessEvent.objects.filter(
        user=user, patient_id=video.patient_id, what=what, at__gte=timezone.now() - PLAY_AUDIT_WINDOW
    ).exists()
