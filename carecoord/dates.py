"""The one date and time style families see (portal pages, emails, reminders): "Tuesday 1 December,
9:30am". Staff pages keep their compact forms. Templates use the ``family_when`` and ``family_date``
filters (built in, no ``{% load %}`` needed); Python code calls the functions."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


def _year_suffix(day: datetime.date) -> str:
    # The year only when it is not this year, so near dates stay short.
    return "" if day.year == timezone.localdate().year else f" {day.year}"


def family_date(value: datetime.date | datetime.datetime | None) -> str:
    """``Tuesday 1 December`` (``Tuesday 1 December 2027`` in another year)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value:%A} {value.day} {value:%B}{_year_suffix(value)}"


def family_time(value: datetime.datetime | None) -> str:
    """``9:30am``, ``12:00pm``."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def family_when(value: datetime.datetime | None) -> str:
    """``Tuesday 1 December, 9:30am``."""
    if value is None:
        return ""
    return f"{family_date(value)}, {family_time(value)}"


register.filter("family_date", family_date)
register.filter("family_time", family_time)
register.filter("family_when", family_when)
