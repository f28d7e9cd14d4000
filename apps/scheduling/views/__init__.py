"""Scheduling pages, one module per area."""

from .appointments import appointment_act, appointments, book
from .clinic import clinic, overdue_reviews
from .feeds import calendar_feed, feed_url, my_calendar, my_calendar_regenerate
from .series import series_detail, series_move, series_new, series_stop

__all__ = [
    "appointment_act",
    "appointments",
    "book",
    "calendar_feed",
    "clinic",
    "feed_url",
    "my_calendar",
    "my_calendar_regenerate",
    "overdue_reviews",
    "series_detail",
    "series_move",
    "series_new",
    "series_stop",
]
