"""Bank holidays come from the holidays package (England and Wales): seeded by a migration and kept
five years ahead by a yearly beat job, so production has them without the demo."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings

from apps.workingtime import services, tasks
from apps.workingtime.models import BankHoliday

pytestmark = pytest.mark.django_db
UTC = datetime.UTC  # January in London is UTC


def test_refresh_adds_this_year_and_five_more_weekday_bank_holidays():
    added = services.bank_holidays_refresh(today=datetime.date(2026, 6, 1))
    days = list(BankHoliday.objects.values_list("day", flat=True))
    assert added == len(days) and {d.year for d in days} == set(range(2026, 2032))
    assert all(d.weekday() < 5 for d in days)
    assert dict(BankHoliday.objects.filter(day__year=2026).values_list("day", "name")) == {
        datetime.date(2026, 1, 1): "New Year's Day",
        datetime.date(2026, 4, 3): "Good Friday",
        datetime.date(2026, 4, 6): "Easter Monday",
        datetime.date(2026, 5, 4): "May Day",
        datetime.date(2026, 5, 25): "Spring Bank Holiday",
        datetime.date(2026, 8, 31): "Late Summer Bank Holiday",
        datetime.date(2026, 12, 25): "Christmas Day",
        datetime.date(2026, 12, 28): "Boxing Day (observed)",  # the 26th is a Saturday
    }


def test_refresh_is_idempotent_and_keeps_a_day_an_administrator_renamed():
    services.bank_holidays_refresh(today=datetime.date(2026, 6, 1))
    count = BankHoliday.objects.count()
    BankHoliday.objects.filter(day=datetime.date(2026, 12, 25)).update(name="Christmas (clinic closed)")
    BankHoliday.objects.create(day=datetime.date(2026, 7, 1), name="Trust closure day")

    assert services.bank_holidays_refresh(today=datetime.date(2026, 6, 1)) == 0
    assert BankHoliday.objects.count() == count + 1
    assert BankHoliday.objects.get(day=datetime.date(2026, 12, 25)).name == "Christmas (clinic closed)"


def test_yearly_job_extends_the_horizon_from_the_current_year(django_assert_max_num_queries):
    with time_machine.travel(datetime.datetime(2026, 1, 2, 4, 0, tzinfo=UTC), tick=False):
        tasks.refresh_bank_holidays()
    assert BankHoliday.objects.filter(day__year=2032).count() == 0
    new_year = time_machine.travel(datetime.datetime(2027, 1, 2, 4, 0, tzinfo=UTC), tick=False)
    # Set-based: one read and one insert, however many days are new.
    with new_year, django_assert_max_num_queries(3):
        added = tasks.refresh_bank_holidays()
    assert added == BankHoliday.objects.filter(day__year=2032).count() == 8
    with time_machine.travel(datetime.datetime(2027, 1, 2, 4, 5, tzinfo=UTC), tick=False):
        assert tasks.refresh_bank_holidays() == 0  # a second run (or a second worker) adds nothing


def test_the_yearly_job_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["bank-holidays-yearly"]
    assert entry["task"] == "apps.workingtime.tasks.refresh_bank_holidays"
    assert entry["schedule"].month_of_year == {1} and entry["schedule"].day_of_month == {2}


def test_the_migration_seeds_through_the_same_service_with_the_historical_model():
    migration = importlib.import_module("apps.workingtime.migrations.0002_seed_bank_holidays")
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        migration.seed(django_apps, schema_editor=None)
    assert BankHoliday.objects.filter(day__year=2026).count() == 8
    assert BankHoliday.objects.filter(day__year=2031).exists()
    assert not BankHoliday.objects.filter(day__year__in=[2025, 2032]).exists()
