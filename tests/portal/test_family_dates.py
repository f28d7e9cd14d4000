"""One date and time style for families: "Tuesday 1 December, 9:30am"."""

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.template import engines

from carecoord.dates import family_date, family_when

LONDON = ZoneInfo("Europe/London")


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=LONDON), tick=False)
def test_family_dates_read_as_words_with_a_short_time_and_no_leading_zeros():
    assert family_when(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)) == "Tuesday 1 December, 9:30am"
    assert family_when(datetime.datetime(2026, 12, 6, 14, 0, tzinfo=LONDON)) == "Sunday 6 December, 2:00pm"
    assert family_when(datetime.datetime(2026, 12, 7, 0, 15, tzinfo=LONDON)) == "Monday 7 December, 12:15am"
    assert family_when(datetime.datetime(2026, 12, 7, 12, 0, tzinfo=LONDON)) == "Monday 7 December, 12:00pm"
    # UTC instants are shown in London time; another year names the year.
    assert (
        family_when(datetime.datetime(2027, 6, 1, 8, 30, tzinfo=datetime.UTC))
        == "Tuesday 1 June 2027, 9:30am"
    )
    assert family_date(datetime.date(2026, 12, 3)) == "Thursday 3 December"
    assert family_when(None) == ""


def test_the_filters_need_no_load_in_any_template():
    template = engines["django"].from_string("{{ at|family_when }} / {{ at|family_date }}")
    at = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=LONDON)
    with time_machine.travel(at, tick=False):
        assert template.render({"at": at}) == "Tuesday 1 December, 9:30am / Tuesday 1 December"
