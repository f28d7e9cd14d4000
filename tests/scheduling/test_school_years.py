"""The English school year from a date of birth, and the re-test a review policy asks for ahead of
year 6 and year 11."""

import datetime

import pytest

from apps.scheduling.services.reviews import next_due
from apps.scheduling.services.school_years import (
    reception_starts,
    school_retest_due,
    school_year_on,
    school_year_starts,
)

from .test_reviews import neuropsychology_policy

D = datetime.date


@pytest.mark.parametrize(
    ("born", "reception"),
    [
        (D(2019, 9, 1), D(2024, 9, 1)),  # oldest in the year
        (D(2020, 8, 31), D(2024, 9, 1)),  # youngest in the same year
        (D(2020, 9, 1), D(2025, 9, 1)),
        (D(2020, 3, 15), D(2024, 9, 1)),
    ],
)
def test_reception_starts_in_the_september_after_turning_four(born, reception):
    assert reception_starts(born) == reception


def test_year_six_and_eleven_start_six_and_eleven_septembers_later():
    born = D(2016, 2, 10)  # Reception September 2020
    assert school_year_starts(born, 6) == D(2026, 9, 1)
    assert school_year_starts(born, 11) == D(2031, 9, 1)
    assert school_year_on(born, D(2026, 8, 31)) == 5 and school_year_on(born, D(2026, 9, 1)) == 6


def test_the_retest_falls_due_at_the_start_of_year_six_unless_assessed_in_year_five_or_since():
    born = D(2016, 2, 10)
    due = school_retest_due(
        school_years=[6, 11], date_of_birth=born, last_completed=D(2024, 5, 1), today=D(2026, 3, 1)
    )
    assert due == D(2026, 9, 1)
    done = school_retest_due(
        school_years=[6, 11], date_of_birth=born, last_completed=D(2025, 10, 1), today=D(2026, 3, 1)
    )
    assert done == D(2031, 9, 1)  # year 6 covered; year 11 next
    later = school_retest_due(school_years=[6], date_of_birth=born, last_completed=None, today=D(2027, 9, 2))
    assert later is None  # year 6 is over


def test_the_policy_brings_the_review_forward_only_when_it_asks_for_school_retests(db):
    born, last = D(2016, 2, 10), D(2025, 3, 1)  # the interval alone: due 1 Mar 2027
    plain = neuropsychology_policy()
    assert next_due(
        policy=plain, diagnosis_date=None, last_completed=last, date_of_birth=born, today=D(2026, 3, 1)
    ) == D(2027, 3, 1)
    plain.school_retest_years = [6, 11]  # demo value in the seed
    assert next_due(
        policy=plain, diagnosis_date=None, last_completed=last, date_of_birth=born, today=D(2026, 3, 1)
    ) == D(2026, 9, 1)
