"""Working hours (Mon–Fri 09:00–17:00 Europe/London, bank holidays as data): what counts as working
time, and how many working hours lie between two moments across nights, weekends, holidays and the
clock changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.workingtime.models import BankHoliday
from apps.workingtime.working_time import is_working_time, working_hours_between

LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def holiday(year: int, month: int, day: int, name: str = "Bank holiday") -> None:
    BankHoliday.objects.create(day=datetime.date(year, month, day), name=name)


# 2026: Monday 2 March to Friday 6 March is an ordinary week.


# --- is_working_time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (at(2026, 3, 2, 9, 0), True),  # opening time counts
        (at(2026, 3, 2, 8, 59), False),
        (at(2026, 3, 2, 16, 59), True),
        (at(2026, 3, 2, 17, 0), False),  # closing time does not
        (at(2026, 3, 4, 23, 30), False),  # a weeknight
        (at(2026, 3, 7, 11, 0), False),  # Saturday
        (at(2026, 3, 8, 11, 0), False),  # Sunday
    ],
)
def test_is_working_time(moment, working):
    assert is_working_time(moment) is working


def test_a_bank_holiday_is_not_working_time():
    assert is_working_time(at(2026, 5, 4, 11)) is True  # no row: an ordinary Monday
    holiday(2026, 5, 4, "Early May bank holiday")
    assert is_working_time(at(2026, 5, 4, 11)) is False
    assert is_working_time(at(2026, 5, 5, 11)) is True


def test_a_moment_in_utc_is_read_as_london_time():
    # In summer (BST) 08:30 UTC is 09:30 in London, and 16:30 UTC is 17:30.
    assert is_working_time(datetime.datetime(2026, 6, 1, 8, 30, tzinfo=UTC)) is True
    assert is_working_time(datetime.datetime(2026, 6, 1, 16, 30, tzinfo=UTC)) is False
    # In winter (GMT) they are the same.
    assert is_working_time(datetime.datetime(2026, 1, 12, 8, 30, tzinfo=UTC)) is False
    assert is_working_time(datetime.datetime(2026, 1, 12, 16, 30, tzinfo=UTC)) is True


def test_working_time_follows_the_configured_hours(settings):
    settings.WORKING_DAY_START_HOUR, settings.WORKING_DAY_END_HOUR = 8, 18
    assert is_working_time(at(2026, 3, 2, 8, 15)) is True
    assert is_working_time(at(2026, 3, 2, 17, 45)) is True
    assert working_hours_between(at(2026, 3, 2, 0), at(2026, 3, 3, 0)) == 10


# --- working_hours_between: within a day and overnight --------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 3, 2, 10), at(2026, 3, 2, 12, 30), 2.5),
        (at(2026, 3, 2, 7), at(2026, 3, 2, 20), 8),  # only the working day counts
        (at(2026, 3, 2, 6), at(2026, 3, 2, 8, 45), 0),  # before opening
        (at(2026, 3, 2, 17), at(2026, 3, 2, 23), 0),  # after closing
        (at(2026, 3, 2, 16), at(2026, 3, 3, 10), 2),  # overnight: an hour either side
        (at(2026, 3, 2, 18), at(2026, 3, 3, 8), 0),  # a whole night
        (at(2026, 3, 2, 16, 30), at(2026, 3, 3, 9, 30), 1),
        (at(2026, 3, 2, 9), at(2026, 3, 9, 9), 40),  # a full week
    ],
)
def test_working_hours_within_days_and_across_nights(start, end, hours):
    assert working_hours_between(start, end) == pytest.approx(hours)


def test_nothing_elapses_when_the_end_is_not_after_the_start():
    assert working_hours_between(at(2026, 3, 2, 12), at(2026, 3, 2, 12)) == 0
    assert working_hours_between(at(2026, 3, 2, 12), at(2026, 3, 2, 10)) == 0


# --- Weekends and bank holidays -------------------------------------------------------------------


def test_a_weekend_does_not_count():
    friday_4pm = at(2026, 3, 6, 16)
    assert working_hours_between(friday_4pm, at(2026, 3, 7, 12)) == 1  # Saturday: only Friday's hour
    assert working_hours_between(friday_4pm, at(2026, 3, 8, 23)) == 1  # end of Sunday: still one
    assert working_hours_between(at(2026, 3, 7, 9), at(2026, 3, 8, 17)) == 0
    assert working_hours_between(friday_4pm, at(2026, 3, 9, 9)) == 1
    assert working_hours_between(friday_4pm, at(2026, 3, 9, 16)) == 8  # Friday 1 + Monday 7


def test_a_bank_holiday_does_not_count():
    friday_4pm = at(2026, 8, 28, 16)
    assert working_hours_between(friday_4pm, at(2026, 9, 1, 16)) == 16  # no holiday row
    holiday(2026, 8, 31, "Summer bank holiday")
    assert working_hours_between(friday_4pm, at(2026, 8, 31, 16)) == 1
    assert working_hours_between(friday_4pm, at(2026, 9, 1, 16)) == 8
    assert working_hours_between(at(2026, 8, 31, 9), at(2026, 8, 31, 17)) == 0


def test_christmas_and_new_year():
    for day, name in [((2026, 12, 25), "Christmas Day"), ((2026, 12, 28), "Boxing Day (substitute)")]:
        holiday(*day, name)
    holiday(2027, 1, 1, "New Year's Day")
    # Thursday 24 Dec 09:00 to Monday 4 Jan 09:00: 24, 29, 30 and 31 December are working days.
    assert working_hours_between(at(2026, 12, 24, 9), at(2027, 1, 4, 9)) == 32


# --- Clock changes --------------------------------------------------------------------------------


def test_across_the_spring_clock_change():
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026; the lost hour is at night.
    friday_4pm_gmt = at(2026, 3, 27, 16)
    monday_10am_bst = at(2026, 3, 30, 10)
    assert working_hours_between(friday_4pm_gmt, monday_10am_bst) == 2
    assert monday_10am_bst.astimezone(UTC) - friday_4pm_gmt.astimezone(UTC) == datetime.timedelta(hours=65)
    assert working_hours_between(at(2026, 3, 29, 0), at(2026, 3, 29, 4)) == 0
    assert working_hours_between(at(2026, 3, 30, 0), at(2026, 3, 31, 0)) == 8  # Monday is a full day
    assert working_hours_between(friday_4pm_gmt, at(2026, 3, 30, 16)) == 8


def test_across_the_autumn_clock_change():
    # Clocks go back at 02:00 BST on Sunday 25 October 2026.
    friday_4pm_bst = at(2026, 10, 23, 16)
    monday_10am_gmt = at(2026, 10, 26, 10)
    assert working_hours_between(friday_4pm_bst, monday_10am_gmt) == 2
    assert monday_10am_gmt.astimezone(UTC) - friday_4pm_bst.astimezone(UTC) == datetime.timedelta(hours=67)
    assert working_hours_between(friday_4pm_bst, at(2026, 10, 26, 16)) == 8


def test_moments_given_in_utc_count_london_working_hours():
    # Monday 1 June 2026 (BST): the working day is 08:00 to 16:00 UTC.
    assert working_hours_between(
        datetime.datetime(2026, 6, 1, 7, 0, tzinfo=UTC), datetime.datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    ) == pytest.approx(8)
    # 23:30 UTC on Sunday 31 May is 00:30 on Monday in London; still no working time before 08:00 UTC.
    assert working_hours_between(
        datetime.datetime(2026, 5, 31, 23, 30, tzinfo=UTC), datetime.datetime(2026, 6, 1, 8, 30, tzinfo=UTC)
    ) == pytest.approx(0.5)


def test_holidays_passed_in_are_used_without_a_query(django_assert_num_queries):
    holiday(2026, 8, 31, "Summer bank holiday")  # a row that is ignored when holidays are passed in
    with django_assert_num_queries(0):
        assert working_hours_between(at(2026, 8, 28, 16), at(2026, 9, 1, 16), holidays=()) == 16
        assert (
            working_hours_between(
                at(2026, 8, 28, 16), at(2026, 9, 1, 16), holidays={datetime.date(2026, 8, 31)}
            )
            == 8
        )
