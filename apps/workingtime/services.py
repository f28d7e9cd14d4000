"""Bank holidays from the ``holidays`` package (England and Wales), so production has them without the demo."""

import datetime
from typing import Any

import holidays
from django.utils import timezone

from .models import BankHoliday

YEARS_AHEAD = 5  # referral targets and review due dates look this far ahead at most


def england_and_wales_bank_holidays(years: range) -> list[tuple[datetime.date, str]]:
    """The weekday bank holidays of these years (England and Wales share one list).

    Weekend dates are left out: a holiday on a Saturday is carried by its substitute Monday.
    """
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return sorted((day, name) for day, name in calendar.items() if day.weekday() < 5)


def bank_holidays_refresh(*, today: datetime.date | None = None, model: Any = BankHoliday) -> int:
    """Add the bank holidays from this year to ``YEARS_AHEAD`` years on; return how many were new.

    Idempotent and set-based: one insert that skips days already there, so a second run, a second
    worker or a day an administrator renamed or added by hand is left as it is. ``model`` is the
    historical model when a migration calls this.
    """
    year = (today or timezone.localdate()).year
    wanted = england_and_wales_bank_holidays(range(year, year + YEARS_AHEAD + 1))
    known = set(model.objects.filter(day__in=[day for day, _ in wanted]).values_list("day", flat=True))
    fresh = [model(day=day, name=name[:100]) for day, name in wanted if day not in known]
    model.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
