"""Scheduling writes: appointments, series, review policies, reminders and calendar feeds."""

from .appointments import (
    APPOINTMENT,
    appointment_attended,
    appointment_book,
    appointment_cancel,
    appointment_confirm,
    appointment_did_not_attend,
    appointment_family_cannot_attend,
    appointment_move,
)
from .clashes import check_clashes, clashes
from .feeds import (
    calendar_feed_for,
    calendar_feed_regenerate,
    feed_appointments,
    feed_ics,
    feed_url,
    webcal_url,
)
from .reminders import reminders_send_due
from .review_jobs import reviews_open_due
from .review_schedule import review_schedules_refresh, review_schedules_refresh_all, review_schedules_repair
from .reviews import fresh_due_dates, next_due, review_candidates
from .series import SERIES, series_create, series_end, series_move, series_stop

__all__ = [
    "APPOINTMENT",
    "SERIES",
    "appointment_attended",
    "appointment_book",
    "appointment_cancel",
    "appointment_confirm",
    "appointment_did_not_attend",
    "appointment_family_cannot_attend",
    "appointment_move",
    "calendar_feed_for",
    "calendar_feed_regenerate",
    "check_clashes",
    "clashes",
    "feed_appointments",
    "feed_ics",
    "feed_url",
    "fresh_due_dates",
    "next_due",
    "reminders_send_due",
    "review_candidates",
    "review_schedules_refresh",
    "review_schedules_refresh_all",
    "review_schedules_repair",
    "reviews_open_due",
    "series_create",
    "series_end",
    "series_move",
    "series_stop",
    "webcal_url",
]
