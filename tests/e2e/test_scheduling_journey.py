"""Issue 5's scheduling journey through a real browser.

A nurse specialist books an IVIG series from a child's Appointments tab; the family sees the first
infusion with its preparation notes in the portal and subscribes to the calendar, whose feed (fetched
over HTTP from the live server) holds the six infusions at the right UTC times and no staff notes; then
the daily review job opens a due neuropsychology re-evaluation, which a neuropsychologist finds
awaiting triage in the Neuropsychology inbox.
"""

import datetime
import re
import urllib.request
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team, User
from apps.pathways import services as pathways
from apps.pathways.models import DiagnosticCriterion
from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment, ReviewPolicy
from carecoord.dates import family_date
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LONDON = zoneinfo.ZoneInfo("Europe/London")
CHILD = "PATEL, Maya"
SERIES = "IVIG every 4 weeks"
INFUSION = "Infusion day case (IVIG or pulse)"
PREPARATION = "Apply the numbing cream an hour before; bring snacks, it is a long day."
INTERNAL_NOTE = "Safeguarding: speak to the social worker before clinic"
REVIEW_CHILD = "SHAH, Ravi"


def _main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def _log_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def _log_in(page: Page, login, user: User, path: str = "/login/") -> None:
    login(page, user, path=path)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _fetch(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get_content_type(), response.read()


def test_nurse_books_an_ivig_series_the_family_subscribes_and_a_due_re_evaluation_reaches_neuropsychology(
    page: Page, login, screenshot, live_server
):
    neurologist = StaffFactory(
        full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    CareTeamMemberFactory(patient=maya, user=neurologist, role=StaffProfile.Role.CONSULTANT)
    guardian = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user

    first_day = timezone.localdate() + datetime.timedelta(days=7)
    expected_starts = [
        datetime.datetime.combine(
            first_day + datetime.timedelta(days=28 * i), datetime.time(9), tzinfo=LONDON
        )
        for i in range(6)
    ]
    # A family-visible neurology clinic carrying a staff-only note, between the first two infusions.
    clinic_starts = datetime.datetime.combine(
        first_day + datetime.timedelta(days=10), datetime.time(14), tzinfo=LONDON
    )
    scheduling.appointment_book(
        actor=nurse,
        patient=maya,
        kind=Appointment.Kind.NEUROLOGY_CLINIC,
        starts_at=clinic_starts,
        ends_at=clinic_starts + datetime.timedelta(minutes=30),
        team=Team.objects.get(code=Team.Code.NEUROLOGY),
        clinician=neurologist,
        location="Neurology outpatients, Level 1",
        internal_notes=INTERNAL_NOTE,
        family_visible=True,
    )

    # 1. The nurse opens Maya's Appointments tab and books the IVIG series.
    _log_in(page, login, nurse)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    page.get_by_role("link", name=CHILD, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/")  # the name opens the summary
    page.get_by_role("link", name="Pathway", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/pathway/")
    page.get_by_role("navigation", name="Record sections").get_by_role("link", name="Appointments").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/appointments/")
    expect(page.get_by_role("region", name="Coming up")).to_contain_text(INTERNAL_NOTE)  # staff see it
    expect(page.get_by_role("region", name="Treatment series")).to_contain_text("No series.")
    assert_no_serious_axe_violations(page, "1-appointments-tab")
    screenshot("1-appointments-tab")

    page.get_by_role("link", name="Book a series").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/series/new/")
    expect(page.get_by_role("heading", name="Book a series for Maya Patel", level=1)).to_be_visible()
    page.get_by_label("Name of the series", exact=True).fill(SERIES)
    page.get_by_label("Type of appointment", exact=True).select_option(label=INFUSION)
    page.get_by_label("First appointment starts", exact=True).fill(f"{first_day.isoformat()}T09:00")
    page.get_by_label("Days between appointments", exact=True).fill("28")
    page.get_by_label("Number of appointments", exact=True).fill("6")
    page.get_by_label("Length of each in minutes", exact=True).fill("240")
    page.get_by_label("Team", exact=True).select_option(label="Neurology")
    page.get_by_label("Location", exact=True).fill("Day Case Unit, Ward 7")
    page.get_by_label("Preparation notes for the family", exact=True).fill(PREPARATION)
    assert_no_serious_axe_violations(page, "1-series-form")
    screenshot("1-series-form")
    page.get_by_role("button", name="Book the series").click()

    expect(page).to_have_url(re.compile(r"/series/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text(f"6 appointments booked for {SERIES}.")
    expect(page.get_by_role("heading", name=SERIES, level=2)).to_be_visible()
    rows = page.get_by_role("region", name="Appointments in the series").locator("tbody").get_by_role("row")
    expect(rows).to_have_count(6)
    for index, starts in enumerate(expected_starts):
        expect(rows.nth(index)).to_contain_text(f"{starts:%a} {starts.day} {starts:%b %Y}, 09:00–13:00")
        expect(rows.nth(index)).to_contain_text("Booked")
    assert_no_serious_axe_violations(page, "1-series-booked")
    screenshot("1-series-booked")
    _log_out(page)

    # 2. The family sees the first infusion and its preparation, and subscribes to the calendar.
    _log_in(page, login, guardian, path="/portal/login/")
    expect(page).to_have_url(f"{live_server.url}/portal/children/{maya.pk}/")
    visits = page.get_by_role("region", name="Maya's appointments").get_by_role("listitem")
    first = expected_starts[0]
    expect(visits.first).to_contain_text(family_date(first))  # the one family date style
    expect(visits.first).to_contain_text("9:00am to 1:00pm")
    expect(visits.first).to_contain_text(INFUSION)
    expect(visits.first).to_contain_text("Before you come")
    expect(visits.first).to_contain_text(PREPARATION)
    expect(page.locator("body")).not_to_contain_text(INTERNAL_NOTE)
    assert_no_serious_axe_violations(page, "2-family-child-page")
    screenshot("2-family-child-page")

    calendar_section = page.get_by_role("region", name="Subscribe to the calendar")
    calendar_section.scroll_into_view_if_needed()
    expect(calendar_section.get_by_role("link", name="Add to my calendar")).to_have_attribute(
        "href", re.compile(r"^webcal://.+\.ics$")
    )
    feed_url = calendar_section.get_by_label("Or copy this link into your calendar app").input_value()
    assert feed_url.startswith(f"{live_server.url}/calendar/") and feed_url.endswith(".ics")

    content_type, raw = _fetch(feed_url)
    assert content_type == "text/calendar"
    text = raw.decode()
    for secret in (INTERNAL_NOTE, "Safeguarding", "social worker", PREPARATION):
        assert secret not in text
    events = Calendar.from_ical(raw).walk("VEVENT")
    infusions = [e for e in events if str(e["SUMMARY"]) == f"Maya: {INFUSION}"]
    assert len(infusions) == 6
    assert len(events) == 7  # and the neurology clinic, without its note
    starts = sorted(e.decoded("DTSTART") for e in infusions)
    assert all(s.utcoffset() == datetime.timedelta(0) for s in starts)  # sent in UTC
    assert starts == [s.astimezone(datetime.UTC) for s in expected_starts]
    assert len({str(e["UID"]) for e in events}) == 7
    assert {str(e["STATUS"]) for e in events} == {"TENTATIVE"}  # booked, not yet confirmed by the family
    _log_out(page)

    # 3. A child diagnosed 7 months ago is past the 6-month neuropsychology baseline; the beat runs.
    neuropsychologist = StaffFactory(
        full_name="Dr Nell Neuropsych",
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        role__teams=["neuropsychology"],
    )
    ReviewPolicy.objects.create(
        name="Neuropsychology re-evaluation",
        target_team=TeamFactory(code=Team.Code.NEUROPSYCHOLOGY),
        appointment_kind=Appointment.Kind.NEUROPSYCHOLOGY,
        baseline_within_months=6,
        interval_months=24,
        lead_time_days=84,
    )
    ravi = PatientFactory(given_name="Ravi", family_name="Shah", named_nurse=nurse)
    diagnosed = timezone.localdate() - relativedelta(months=7)
    for criterion in (
        DiagnosticCriterion.Criterion.OPSOCLONUS,
        DiagnosticCriterion.Criterion.ATAXIA_MYOCLONUS,
        DiagnosticCriterion.Criterion.BEHAVIOUR_SLEEP,
    ):
        pathways.assessment_record_criterion(
            actor=neurologist, patient=ravi, criterion=criterion, present=True, observed_on=diagnosed
        )
    pathways.assessment_update(
        actor=neurologist, patient=ravi, oms_status="confirmed", diagnosis_date=diagnosed
    )
    assert scheduling.reviews_open_due() == 1
    assert scheduling.reviews_open_due() == 0  # the next beat opens nothing more

    _log_in(page, login, neuropsychologist)
    _main_nav(page).get_by_role("link", name="Referrals").click()
    expect(page).to_have_url(f"{live_server.url}/referrals/")
    inbox_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=REVIEW_CHILD, exact=True))
    expect(inbox_row).to_have_count(1)
    expect(inbox_row).to_contain_text("Neuropsychology")
    expect(inbox_row).to_contain_text("Awaiting triage")
    expect(page.get_by_role("link", name=CHILD, exact=True)).to_have_count(0)
    assert_no_serious_axe_violations(page, "3-neuropsychology-inbox")
    screenshot("3-neuropsychology-inbox")

    inbox_row.get_by_role("link", name=REVIEW_CHILD, exact=True).click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    expect(page.get_by_role("heading", name="Referral to Neuropsychology", level=1)).to_be_visible()
    expect(page.get_by_text("Awaiting triage", exact=True)).to_be_visible()
    due = diagnosed + relativedelta(months=6)
    expect(page.get_by_text(re.compile(r"^Re-evaluation due"))).to_have_text(
        f"Re-evaluation due by {due:%d %B %Y} (Neuropsychology re-evaluation)."
    )
    assert_no_serious_axe_violations(page, "3-re-evaluation-referral")
    screenshot("3-re-evaluation-referral")
