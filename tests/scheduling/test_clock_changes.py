"""Clock changes (Europe/London): a time the clocks skip is explained, not shown as Django's raw
"couldn't be interpreted" message; a time they repeat can be booked once the person says which (a form
offers BST or GMT; the API takes an explicit offset and refuses a naive repeated time)."""

import datetime

import pytest

from apps.mdt.forms import MeetingForm
from apps.scheduling.models import Appointment
from carecoord.clock import FIRST, SECOND, LondonDateTimeField, london_instant

UTC = datetime.UTC
SPRING_2027 = datetime.datetime(2027, 3, 28, 1, 30)  # last Sunday of March: 1am -> 2am
AUTUMN_2027 = datetime.datetime(2027, 10, 31, 1, 30)  # last Sunday of October: 2am -> 1am
AUTUMN_2026 = datetime.datetime(2026, 10, 25, 1, 30)
FORWARD = "The clocks go forward at 1am that night, so 1:30am does not exist. Choose a time from 2am."
BACK = "The clocks go back at 2am that night, so 1:30am happens twice."


def test_a_time_the_clocks_skip_is_refused_in_plain_words():
    with pytest.raises(Exception) as refused:
        london_instant(SPRING_2027)
    assert refused.value.messages == [FORWARD]
    assert london_instant(SPRING_2027.replace(hour=2)) == datetime.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("night", [AUTUMN_2026, AUTUMN_2027], ids=["2026", "2027"])
def test_a_repeated_time_means_the_instant_chosen(night):
    assert london_instant(night, which=FIRST) == night.replace(hour=0, tzinfo=UTC)  # 1:30am BST
    assert london_instant(night, which=SECOND) == night.replace(hour=1, tzinfo=UTC)  # 1:30am GMT
    with pytest.raises(Exception) as refused:
        london_instant(night)
    assert refused.value.messages == [f"{BACK} Choose the first 1:30am (BST) or the second (GMT)."]


def test_an_ordinary_time_needs_no_choice_and_an_offset_is_kept():
    assert london_instant(datetime.datetime(2027, 7, 1, 9)) == datetime.datetime(2027, 7, 1, 8, tzinfo=UTC)
    aware = datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert london_instant(aware) == aware


def test_every_date_time_form_reads_the_clock_change_the_same_way():
    """The meeting form (like every booking form) uses the one field, so its refusal is the plain one."""
    assert isinstance(MeetingForm.base_fields["starts_at"], LondonDateTimeField)
    form = MeetingForm({"starts_at": "2026-10-25T01:30", "starts_at_which": SECOND, "title": "MDT"})
    form.is_valid()
    assert "starts_at" not in form.errors
    assert form.cleaned_data["starts_at"] == datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    skipped = MeetingForm({"starts_at": "2027-03-28T01:30", "title": "MDT"})
    assert skipped.errors["starts_at"] == [FORWARD]


# --- The booking page ---------------------------------------------------------------------------------


def _book_page(client, cast, starts_at, **extra):
    client.force_login(cast.nurse_a)
    data = {
        "book-kind": Appointment.Kind.MRI,
        "book-starts_at": starts_at,
        "book-duration_minutes": "45",
        **{f"book-{key}": value for key, value in extra.items()},
    }
    return client.post(f"/patients/{cast.child_a.pk}/appointments/book/", data)


def test_booking_a_time_the_clocks_skip_explains_why_and_books_nothing(client, cast):
    response = _book_page(client, cast, "2027-03-28T01:30")

    assert response.status_code == 400
    html = response.content.decode()
    assert FORWARD in html
    assert "interpreted" not in html
    assert not Appointment.objects.exists()


def test_booking_the_repeated_hour_asks_which_then_books_that_instant(client, cast):
    asked = _book_page(client, cast, "2027-10-31T01:30")

    assert asked.status_code == 400
    html = asked.content.decode()
    assert BACK in html
    assert "<legend>Which 1:30am?</legend>" in html
    assert 'name="book-starts_at_which" value="first"' in html
    assert 'name="book-starts_at_which" value="second"' in html
    assert not Appointment.objects.exists()

    assert _book_page(client, cast, "2027-10-31T01:30", starts_at_which=SECOND).status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 1:30am GMT
    assert appointment.ends_at == datetime.datetime(2027, 10, 31, 2, 15, tzinfo=UTC)


def test_the_choice_stays_with_the_time_when_the_form_comes_back(client, cast):
    response = _book_page(client, cast, "2027-10-31T01:30", starts_at_which=FIRST, kind="")

    assert response.status_code == 400  # the type is missing; the time and its choice stay as sent
    assert 'value="first" id="id_book-starts_at_which_first" checked' in response.content.decode()


# --- The API ------------------------------------------------------------------------------------------


def _book_api(api_for, cast, starts_at, ends_at):
    body = {"kind": "mri", "starts_at": starts_at, "ends_at": ends_at}
    return api_for(cast.nurse_a).post(
        f"/api/v1/patients/{cast.child_a.pk}/appointments/", body, format="json"
    )


def test_the_api_refuses_a_naive_repeated_time_and_says_how_to_send_it(api_for, cast):
    response = _book_api(api_for, cast, "2027-10-31T01:30:00", "2027-10-31T03:00:00")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["starts_at"] == [
        f"{BACK} Send it with its offset: 2027-10-31T01:30:00+01:00 for the first (BST) "
        "or 2027-10-31T01:30:00+00:00 for the second (GMT)."
    ]
    assert not Appointment.objects.exists()


def test_the_api_books_a_repeated_time_sent_with_its_offset(api_for, cast):
    response = _book_api(api_for, cast, "2027-10-31T01:30:00+00:00", "2027-10-31T02:15:00+00:00")

    assert response.status_code == 201
    assert Appointment.objects.get().starts_at == datetime.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_the_api_refuses_a_naive_time_the_clocks_skip(api_for, cast):
    response = _book_api(api_for, cast, "2027-03-28T01:30:00", "2027-03-28T03:00:00")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["starts_at"] == [FORWARD]
    assert not Appointment.objects.exists()


def test_the_first_reading_of_the_repeated_hour_keeps_its_length(client, cast):
    """1:30am BST plus 45 minutes is 1:15am GMT, not 2:15am (London wall-clock arithmetic would say so)."""
    assert _book_page(client, cast, "2027-10-31T01:30", starts_at_which=FIRST).status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert appointment.ends_at == datetime.datetime(2027, 10, 31, 1, 15, tzinfo=UTC)
