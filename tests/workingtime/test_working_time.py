"""Working-day arithmetic: weekends and bank holidays (rows in BankHoliday) are skipped, Europe/London."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.workingtime.models import BankHoliday
from apps.workingtime.working_time import add_working_days, is_working_day

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def easter_2026():
    BankHoliday.objects.create(day=datetime.date(2026, 4, 3), name="Good Friday")
    BankHoliday.objects.create(day=datetime.date(2026, 4, 6), name="Easter Monday")


def test_it_adds_days_within_a_week():
    # Monday 10:00 + 3 working days is Thursday 10:00.
    assert add_working_days(at(2026, 3, 2), 3) == at(2026, 3, 5)


def test_zero_days_on_a_working_day_is_the_same_moment():
    assert add_working_days(at(2026, 3, 4, 15, 30), 0) == at(2026, 3, 4, 15, 30)


def test_it_skips_the_weekend():
    # Thursday + 2 working days: Friday, then Monday.
    assert add_working_days(at(2026, 3, 5), 2) == at(2026, 3, 9)


def test_it_skips_bank_holidays_and_the_weekend(easter_2026):
    # Thursday before Easter + 1: Good Friday, Saturday, Sunday and Easter Monday are skipped.
    assert add_working_days(at(2026, 4, 2), 1) == at(2026, 4, 7)
    assert add_working_days(at(2026, 4, 2), 5) == at(2026, 4, 13)


def test_bank_holidays_are_data_not_code():
    assert add_working_days(at(2026, 4, 2), 1) == at(2026, 4, 3)  # no rows: Good Friday is a working day
    BankHoliday.objects.create(day=datetime.date(2026, 4, 3), name="Good Friday")
    assert add_working_days(at(2026, 4, 2), 1) == at(2026, 4, 6)


def test_starting_on_a_saturday_counts_from_monday_start_of_business(settings):
    settings.WORKING_DAY_START_HOUR = 9
    saturday = at(2026, 3, 7, 16, 45)
    assert add_working_days(saturday, 0) == at(2026, 3, 9, 9, 0)
    assert add_working_days(saturday, 1) == at(2026, 3, 10, 9, 0)
    assert add_working_days(saturday, 5) == at(2026, 3, 16, 9, 0)


def test_starting_on_a_bank_holiday_counts_from_the_next_working_day(easter_2026):
    assert add_working_days(at(2026, 4, 3, 14), 1) == at(2026, 4, 8, 9, 0)


def test_a_start_in_utc_is_read_as_london_time():
    # 23:30 UTC on Friday 5 June is 00:30 on Saturday in London (BST), so the count starts on Monday.
    late_friday_utc = datetime.datetime(2026, 6, 5, 23, 30, tzinfo=datetime.UTC)
    assert add_working_days(late_friday_utc, 1) == at(2026, 6, 9, 9, 0)


def test_across_the_spring_clock_change_the_local_time_is_kept():
    # Clocks go forward on Sunday 29 March 2026: Friday 10:00 GMT + 1 is Monday 10:00 BST.
    friday = at(2026, 3, 27)
    due = add_working_days(friday, 1)
    assert due == at(2026, 3, 30)
    assert due.astimezone(LONDON).utcoffset() == datetime.timedelta(hours=1)
    assert due.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 30, 9, 0, tzinfo=datetime.UTC)
    assert friday.astimezone(datetime.UTC).hour == 10  # GMT before the change


def test_across_the_autumn_clock_change_the_local_time_is_kept():
    # Clocks go back on Sunday 25 October 2026: Friday 10:00 BST + 1 is Monday 10:00 GMT.
    friday = at(2026, 10, 23)
    due = add_working_days(friday, 1)
    assert due == at(2026, 10, 26)
    assert due.astimezone(LONDON).utcoffset() == datetime.timedelta(0)
    assert due.astimezone(datetime.UTC) == datetime.datetime(2026, 10, 26, 10, 0, tzinfo=datetime.UTC)
    assert friday.astimezone(datetime.UTC).hour == 9  # BST before the change


def test_a_long_span_over_christmas():
    for day, name in [
        (datetime.date(2026, 12, 25), "Christmas Day"),
        (datetime.date(2026, 12, 28), "Boxing Day (substitute)"),
        (datetime.date(2027, 1, 1), "New Year's Day"),
    ]:
        BankHoliday.objects.create(day=day, name=name)
    # Wed 23 Dec + 5: Thu 24, Tue 29, Wed 30, Thu 31, Mon 4 Jan.
    assert add_working_days(at(2026, 12, 23), 5) == at(2027, 1, 4)


def test_is_working_day():
    holiday = datetime.date(2026, 5, 4)
    assert is_working_day(datetime.date(2026, 5, 1))
    assert not is_working_day(datetime.date(2026, 5, 2))  # Saturday
    assert not is_working_day(datetime.date(2026, 5, 3))  # Sunday
    assert not is_working_day(holiday, [holiday])


def test_holidays_passed_in_are_used_without_a_query(django_assert_num_queries):
    holidays = {datetime.date(2026, 4, 3), datetime.date(2026, 4, 6)}
    with django_assert_num_queries(0):
        assert add_working_days(at(2026, 4, 2), 1, holidays=holidays) == at(2026, 4, 7)
        assert add_working_days(at(2026, 4, 2), 1, holidays=()) == at(2026, 4, 3)
