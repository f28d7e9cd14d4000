"""The demo: a few weeks of diary for one child and an open watch (the diary's fever), seeded once."""

import pytest
from django.core.management import call_command

from apps.diary import demo as diary_demo
from apps.diary.demo import HOSPITAL_NUMBER
from apps.diary.models import DiaryEntry
from apps.watch import demo as watch_demo
from apps.watch.models import WatchPeriod
from apps.watch.services import watch_today
from carecoord import watch


@pytest.mark.django_db
def test_the_demo_has_weeks_of_diary_and_an_open_watch_and_a_second_run_adds_nothing():
    call_command("seed_demo")
    entries = DiaryEntry.objects.filter(patient__hospital_number=HOSPITAL_NUMBER)
    counts = (entries.count(), WatchPeriod.objects.count())
    assert counts[0] >= 30 and not entries.filter(day=watch_today()).exists()  # today is the family's
    ben = entries.first().patient
    state = watch.active_watches([ben.pk], watch_today())[ben.pk]
    assert "fever" in state.reason
    watch_demo.seed(diary_demo.seed([]))  # the two steps again (the whole demo's second run is in tests/ops)
    assert (entries.count(), WatchPeriod.objects.count()) == counts
