"""Plain-words times for the reasons on a caseload row ("2 h ago", "since 3 Nov")."""

import datetime
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Clock:
    """The moment a caseload is read: every flag and every reason uses the same one."""

    now: datetime.datetime
    today: datetime.date

    @classmethod
    def current(cls) -> "Clock":
        return cls(now=timezone.now(), today=timezone.localdate())


def day(value: datetime.date, today: datetime.date) -> str:
    """ "today", "yesterday", "3 Nov", or "3 Nov 2025" in another year."""
    if value == today:
        return "today"
    if value == today - datetime.timedelta(days=1):
        return "yesterday"
    return f"{value.day} {value:%b}" + ("" if value.year == today.year else f" {value.year}")


def ago(moment: datetime.datetime, clock: Clock) -> str:
    """ "just now", "25 min ago", "2 h ago", "yesterday", "3 days ago"."""
    minutes = int((clock.now - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 24 * 60:
        return f"{minutes // 60} h ago"
    days = minutes // (24 * 60)
    return "yesterday" if days == 1 else f"{days} days ago"


def since(moment: datetime.datetime, clock: Clock) -> str:
    """ "since 09:30" today, else "since yesterday" or "since 3 Nov" (London time)."""
    local = timezone.localtime(moment)
    if local.date() == clock.today:
        return f"since {local:%H:%M}"
    return f"since {day(local.date(), clock.today)}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
