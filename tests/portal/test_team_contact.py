"""Team contact details are data on the team, shown on every family page that needs them, with an
out-of-hours banner when the team is closed (the working-time helper decides)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import Team
from apps.patients.contact import clock, family_contact
from apps.scheduling import services as scheduling
from apps.workingtime.models import BankHoliday

LONDON = zoneinfo.ZoneInfo("Europe/London")
WEDNESDAY_MORNING = datetime.datetime(2026, 12, 2, 10, tzinfo=LONDON)
WEDNESDAY_EVENING = datetime.datetime(2026, 12, 2, 18, 30, tzinfo=LONDON)
SATURDAY_MORNING = datetime.datetime(2026, 12, 5, 10, tzinfo=LONDON)
CLOSED_BANNER = "team is closed now"


@pytest.fixture
def nursing(cast) -> Team:
    team = Team.objects.get(code=Team.Code.NURSING)
    team.phone = "01632 960123"
    team.opens_at, team.closes_at = datetime.time(8, 30), datetime.time(18)
    team.out_of_hours_phone = "01632 960999"
    team.out_of_hours_advice = "Call the ward and ask for the on-call doctor."
    team.save()
    return team


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (WEDNESDAY_MORNING, True),
        (datetime.datetime(2026, 12, 2, 8, 29, tzinfo=LONDON), False),  # before the team's own opening
        (datetime.datetime(2026, 12, 2, 17, 30, tzinfo=LONDON), True),  # after 5pm, before its 6pm close
        (WEDNESDAY_EVENING, False),
        (SATURDAY_MORNING, False),
    ],
)
def test_the_team_is_open_in_its_own_hours_on_working_days(nursing, moment, is_open):
    contact = family_contact(at=moment)
    assert contact is not None and contact.is_open is is_open
    assert contact.hours == "Monday to Friday, 8:30am to 6pm, except bank holidays"


def test_a_bank_holiday_is_closed(nursing):
    BankHoliday.objects.get_or_create(day=WEDNESDAY_MORNING.date(), defaults={"name": "Test holiday"})
    contact = family_contact(at=WEDNESDAY_MORNING)
    assert contact is not None and not contact.is_open


def test_times_read_in_the_family_style():
    assert [clock(datetime.time(h, m)) for h, m in [(9, 0), (12, 0), (17, 30), (0, 15)]] == [
        "9am",
        "12 noon",
        "5:30pm",
        "12:15am",
    ]


def test_a_team_cannot_close_before_it_opens(cast):
    team = Team.objects.get(code=Team.Code.NURSING)
    team.opens_at, team.closes_at = datetime.time(17), datetime.time(9)
    with pytest.raises(ValidationError) as refused:
        team.full_clean()
    assert "closes_at" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        team.save()


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_the_child_page_and_the_symptoms_confirmation_give_the_teams_number(client_for, cast, nursing):
    family = client_for(cast.family_a)
    child = family.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert child.count("01632 960123") >= 2  # the main contact card and the care team
    assert 'href="tel:01632960123"' in child and "8:30am to 6pm" in child
    assert CLOSED_BANNER not in child
    sent = family.get(f"/portal/children/{cast.child_a.pk}/symptoms/sent/").content.decode()
    assert "please contact the nurse specialist team" not in sent
    assert "01632 960123" in sent and "Call the ward and ask for the on-call doctor." in sent


def test_demo_details_are_labelled_demo(client_for, cast, nursing):
    nursing.contact_is_demo = True
    nursing.save(update_fields=["contact_is_demo"])
    html = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert "Demo number" in html


@pytest.mark.parametrize(
    ("moment", "shown"), [(SATURDAY_MORNING, True), (WEDNESDAY_EVENING, True), (WEDNESDAY_MORNING, False)]
)
def test_the_out_of_hours_banner_shows_when_the_team_is_closed(client_for, cast, nursing, moment, shown):
    with time_machine.travel(moment, tick=False):
        family = client_for(cast.family_a)  # logged in then, so the session is fresh
        for url in (f"/portal/children/{cast.child_a.pk}/", "/portal/updates/", "/portal/account/"):
            html = family.get(url).content.decode()
            assert (CLOSED_BANNER in html) is shown, url
            assert not shown or 'href="tel:01632960999"' in html, url  # the banner gives the line


def test_staff_pages_never_show_the_family_banner(client_for, cast, nursing):
    with time_machine.travel(SATURDAY_MORNING, tick=False):
        assert CLOSED_BANNER not in client_for(cast.nurse_a).get("/caseload/").content.decode()


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_confirmations_say_how_to_reach_the_team(client_for, cast, nursing):
    start = datetime.datetime(2026, 12, 9, 10, tzinfo=LONDON)
    appointment = scheduling.appointment_book(
        actor=cast.nurse_a,
        patient=cast.child_a,
        kind="neurology_clinic",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        team=Team.objects.get(code=Team.Code.NURSING),
    )
    family = client_for(cast.family_a)
    base = f"/portal/children/{cast.child_a.pk}/appointments/{appointment.pk}"
    confirmed = family.post(f"{base}/confirm/", follow=True).content.decode()
    assert (
        "noted that you will be there" in confirmed and "call the nursing team on 01632 960123" in confirmed
    )
    cant = family.post(f"{base}/cant-make-it/", {"reason": "Holiday"}, follow=True).content.decode()
    assert "Thank you for letting us know" in cant and "call the nursing team on 01632 960123" in cant
    new = f"/portal/children/{cast.child_a.pk}/messages/new/"
    sent = family.post(new, {"subject": "Sleep", "body": "Sleeping badly."}, follow=True).content.decode()
    assert "Your message has been sent" in sent and "call the nursing team on 01632 960123" in sent
