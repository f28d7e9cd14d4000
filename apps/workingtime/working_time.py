"""Working-day and working-hour arithmetic, in one place (Europe/London; bank holidays as data)."""

import datetime
from collections.abc import Collection, Iterable

from django.conf import settings
from django.utils import timezone

from .models import BankHoliday


def holidays_between(start: datetime.date, end: datetime.date) -> set[datetime.date]:
    return set(BankHoliday.objects.filter(day__gte=start, day__lte=end).values_list("day", flat=True))


def is_working_day(day: datetime.date, holidays: Iterable[datetime.date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(
    start: datetime.datetime, days: int, *, holidays: Collection[datetime.date] | None = None
) -> datetime.datetime:
    """The moment ``days`` working days after ``start``: the same local time on that working day.

    A start outside a working day counts from the next working day's start of business.
    Pass ``holidays`` (say from ``holidays_between`` over a whole list) to skip the query per call.
    """
    local = timezone.localtime(start)
    if holidays is None:
        horizon = local.date() + datetime.timedelta(days=days * 2 + 30)
        holidays = holidays_between(local.date(), horizon)
    holidays = set(holidays)
    day = local.date()
    if not is_working_day(day, holidays):
        while not is_working_day(day, holidays):
            day += datetime.timedelta(days=1)
        local = local.replace(hour=settings.WORKING_DAY_START_HOUR, minute=0, second=0, microsecond=0)
    remaining = days
    while remaining > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def _day_bounds(
    day: datetime.date, opens: datetime.time | None = None, closes: datetime.time | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    opens = opens or datetime.time(settings.WORKING_DAY_START_HOUR)
    closes = closes or datetime.time(settings.WORKING_DAY_END_HOUR)
    start = timezone.make_aware(datetime.datetime.combine(day, opens))
    end = timezone.make_aware(datetime.datetime.combine(day, closes))
    return start, end


def is_working_time(
    moment: datetime.datetime, *, opens: datetime.time | None = None, closes: datetime.time | None = None
) -> bool:
    """Inside working hours on a working day (Europe/London).

    ``opens``/``closes`` give one team's own hours (a team's contact line); the default is the
    service's working day (WORKING_DAY_START_HOUR to WORKING_DAY_END_HOUR).
    """
    local = timezone.localtime(moment)
    if not is_working_day(local.date(), holidays_between(local.date(), local.date())):
        return False
    start, end = _day_bounds(local.date(), opens, closes)
    return start <= local < end


def working_hours_between(
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    holidays: Collection[datetime.date] | None = None,
) -> float:
    """Working hours elapsed from ``start`` to ``end`` (weekends, bank holidays and nights don't count).

    Pass ``holidays`` (say from ``holidays_between`` over a whole batch) to skip the query per call.
    """
    if end <= start:
        return 0.0
    first, last = timezone.localdate(start), timezone.localdate(end)
    holidays = holidays_between(first, last) if holidays is None else set(holidays)
    total = 0.0
    day = first
    while day <= last:
        if is_working_day(day, holidays):
            open_at, close_at = _day_bounds(day)
            overlap = (min(end, close_at) - max(start, open_at)).total_seconds()
            total += max(overlap, 0.0) / 3600
        day += datetime.timedelta(days=1)
    return total
