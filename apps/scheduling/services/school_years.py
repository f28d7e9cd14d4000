"""The English school year from a date of birth, and the re-test a review policy asks for ahead of a
school transition (for example year 6, the last year of primary school, and year 11, of secondary).

A child born 1 September to 31 August starts Reception in the September after turning 4; year N
starts N Septembers later. Which years ask for a re-test is the policy's data (``school_retest_years``).
"""

import datetime

from dateutil.relativedelta import relativedelta


def reception_starts(date_of_birth: datetime.date) -> datetime.date:
    """1 September of the school year in which the child starts Reception."""
    year = date_of_birth.year + (5 if date_of_birth.month >= 9 else 4)
    return datetime.date(year, 9, 1)


def school_year_starts(date_of_birth: datetime.date, school_year: int) -> datetime.date:
    """1 September on which the child starts ``school_year`` (Reception is 0)."""
    return reception_starts(date_of_birth) + relativedelta(years=school_year)


def school_year_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    """The child's school year on ``day`` (negative before Reception)."""
    start = reception_starts(date_of_birth)
    years = day.year - start.year - (0 if (day.month, day.day) >= (9, 1) else 1)
    return years


def school_retest_due(
    *,
    school_years: list[int],
    date_of_birth: datetime.date | None,
    last_completed: datetime.date | None,
    today: datetime.date,
) -> datetime.date | None:
    """The start of the next school year that asks for a re-test and has not had one.

    An assessment in the school year before it, or since, counts. A school year that has already
    ended is not asked for any more (the regular interval covers the child from there).
    """
    if date_of_birth is None:
        return None
    for school_year in sorted(set(school_years)):
        starts = school_year_starts(date_of_birth, school_year)
        if today >= starts + relativedelta(years=1):
            continue  # that school year is over
        if last_completed is not None and last_completed >= starts - relativedelta(years=1):
            continue  # assessed in the year before it, or since
        return starts
    return None
