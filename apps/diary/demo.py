"""Demo diary: six weeks of a family's diary for one child (Ben, RCH100201): quiet weeks, then a
fever 9 days ago with mild unsteadiness and jerks for a few days, settling since. Today is left empty
for the demo family (family02@carecoord.example) to fill in. The watch step opens the fever's watch."""

import datetime

from apps.patients.models import Guardian, Patient
from carecoord import demo

from .models import DiaryEntry, Illness, Mood, NightWaking
from .services import diary_today

HOSPITAL_NUMBER = "RCH100201"
DAYS = 42
FEVER_DAYS_AGO = 9


def _day(n: int) -> dict:
    """The entry ``n`` days ago (n from 1 to DAYS): a pattern, so the demo is the same every time."""
    fields = {
        "sleep_hours": 11,
        "night_waking": NightWaking.NONE,
        "mood": Mood.GOOD,
        "rage_episodes": 0,
        "unsteadiness": 0,
        "jerks": 0,
        "eye_movements": 0,
        "illness": Illness.NONE,
        "immunisation": False,
    }
    if n % 7 == 3:
        fields.update(night_waking=NightWaking.ONCE, mood=Mood.MIXED, rage_episodes=1, sleep_hours=10)
    if FEVER_DAYS_AGO - 2 <= n <= FEVER_DAYS_AGO:
        fields.update(illness=Illness.FEVER if n == FEVER_DAYS_AGO else Illness.UNWELL)
    if FEVER_DAYS_AGO - 5 <= n <= FEVER_DAYS_AGO - 1:
        worst = n in (FEVER_DAYS_AGO - 3, FEVER_DAYS_AGO - 2)
        fields.update(
            unsteadiness=2 if worst else 1,
            jerks=1,
            night_waking=NightWaking.SEVERAL,
            mood=Mood.DIFFICULT if worst else Mood.MIXED,
            rage_episodes=3 if worst else 2,
            sleep_hours=8,
        )
    if n in (1, 2):
        fields.update(unsteadiness=1)
    return fields


def seed(patients: list[Patient]) -> Patient | None:
    child = Patient.objects.filter(hospital_number=HOSPITAL_NUMBER).first()
    guardian = Guardian.objects.filter(patient=child, is_active=True).select_related("user").first()
    if child is None or guardian is None:
        return None
    today = diary_today()
    days = [today - datetime.timedelta(days=n) for n in range(1, DAYS + 1) if n % 11 != 5]  # a few gaps
    have = set(DiaryEntry.objects.filter(patient=child, day__in=days).values_list("day", flat=True))
    DiaryEntry.objects.bulk_create(
        DiaryEntry(patient=child, day=day, recorded_by=guardian.user, **_day((today - day).days))
        for day in days
        if day not in have
    )
    return child


demo.register("diary", seed, uses=["patients"], after=["pathways"])
