"""The demo's appointments (clinics, the IVIG series, past assessments) fall on weekdays, whatever day it is seeded."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from apps.accounts.models import Team, User
from apps.scheduling.models import Appointment
from apps.scheduling.selectors import clinic_list

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "seeded_at",
    [
        datetime.datetime(2026, 12, 5, 9, tzinfo=LONDON),  # a Saturday: today's clinic would be a weekend
        datetime.datetime(
            2026, 12, 1, 9, tzinfo=LONDON
        ),  # a Tuesday: the series' first date, +5 days, a Sunday
    ],
)
def test_no_demo_appointment_falls_on_a_saturday_or_sunday(seeded_at):
    with time_machine.travel(seeded_at, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    appointments = list(Appointment.objects.all())
    assert any(a.series_id for a in appointments)  # the IVIG series is there to check
    weekend = [a for a in appointments if a.starts_at.astimezone(LONDON).weekday() >= 5]
    assert weekend == []


@pytest.mark.django_db
def test_the_demo_nurse_has_her_own_clinic_on_the_day_the_neurologist_has_his():
    tuesday = datetime.datetime(2026, 12, 1, 9, tzinfo=LONDON)
    with time_machine.travel(tuesday, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        nurse = User.objects.get(email="nurse@carecoord.example")
        neurologist = User.objects.get(email="neurologist@carecoord.example")
        nursing = Team.objects.get(code=Team.Code.NURSING)
        day = tuesday.date()
        assert clinic_list(user=neurologist, day=day).count() == 3
        assert clinic_list(user=nurse, day=day).count() == 3  # "Mine"
        assert clinic_list(user=nurse, day=day, team_id=nursing.pk).count() == 3  # "Nursing team"
