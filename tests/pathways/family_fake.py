"""A stand-in family-data provider for the chart's tests and screenshots, until the diary, video and
questionnaire apps register real ones (carecoord/family_layers.py).

It reads the child from the database once per call, as a real provider queries its own table, and
returns a made-up diary, videos and questionnaire scores ending today, inside the dates it is asked for.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone

from apps.patients.models import Patient
from carecoord import family_layers
from carecoord.family_layers import DiaryDay, FamilyLayers, FamilyMarker, FamilyPoint

QUESTIONNAIRE = "Behaviour and sleep questionnaire (demo)"
# A calm fortnight, a wobble (mild, then two marked days), and a settling: level per day, oldest first.
DIARY_PATTERN = [0] * 14 + [1, 1, 0, 1, 2, 2, 1, 1, 1, 0, 0, 1, 0, 0] + [0] * 14


@dataclass
class FakeFamilyData:
    """``diary_days`` diary entries ending today, ``videos`` and ``points`` spread back over weeks."""

    diary_days: int = 42
    videos: int = 2
    points: int = 8
    label: str = ""  # appended to every label (a test puts markup here)
    video_url: str = "/patients/{patient}/#video-{n}"
    calls: int = 0

    def __call__(self, patient_id: int, start: datetime.date, end: datetime.date) -> FamilyLayers:
        self.calls += 1
        if not Patient.objects.filter(pk=patient_id).exists():  # one query, as a real provider makes
            return FamilyLayers()
        today = timezone.localdate()

        def day(n: int) -> datetime.date:
            return today - datetime.timedelta(days=n)

        diary = [
            DiaryDay(
                day(n),
                DIARY_PATTERN[-1 - n % len(DIARY_PATTERN)],
                f"Slept {9 - DIARY_PATTERN[-1 - n % len(DIARY_PATTERN)]} hours{self.label}",
                f"/patients/{patient_id}/#diary-{day(n).isoformat()}",
            )
            for n in range(self.diary_days)
        ]
        markers = [
            FamilyMarker(
                "video",
                day(9 + 11 * n),
                f"Eye movements after waking{self.label}",
                self.video_url.format(patient=patient_id, n=n + 1),
            )
            for n in range(self.videos)
        ]
        points = [
            FamilyPoint(
                f"{QUESTIONNAIRE}{self.label}",
                day(7 * n + 2),
                [9, 12, 17, 14, 10, 8, 7, 6][n % 8],
                30,
                f"/patients/{patient_id}/#questionnaire-{n + 1}",
            )
            for n in range(self.points)
        ]
        return FamilyLayers(
            markers=[m for m in markers if start <= m.day <= end],
            points=[p for p in points if start <= p.day <= end],
            diary=[d for d in diary if start <= d.day <= end],
        )


@contextmanager
def registered(provider: FakeFamilyData) -> Iterator[FakeFamilyData]:
    """The provider registered for the block; the provider list is restored afterwards."""
    saved = list(family_layers._providers)
    family_layers.register(provider)
    try:
        yield provider
    finally:
        family_layers._providers[:] = saved
