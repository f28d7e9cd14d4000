"""In a real browser: a name past its limit is kept whole and refused by name (the browser no longer
cuts it at maxlength), and the repeated hour of the October clock change is booked as the chosen one."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.patients.models import Patient
from apps.scheduling.models import Appointment
from tests.factories import CareTeamMemberFactory, PatientFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def nurse(db):
    return StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


def test_a_long_name_is_not_cut_by_the_browser_but_refused_by_name(
    page: Page, login, screenshot, live_server, nurse
):
    login(page, nurse)
    page.goto(f"{live_server.url}/patients/new/")
    expect(page.get_by_text("Up to 100 characters.").first).to_be_visible()
    name = "A" * 101
    page.get_by_label("Given name", exact=True).fill(name)
    assert page.get_by_label("Given name", exact=True).input_value() == name  # kept whole

    page.get_by_label("Family name", exact=True).fill("Long")
    page.get_by_role("button", name="Register child").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Given name must be 100 characters or fewer. It has 101.")
    screenshot("long-name-refused")
    assert not Patient.objects.filter(family_name="Long").exists()


def test_the_repeated_hour_is_booked_as_the_one_chosen(page: Page, login, screenshot, live_server, nurse):
    child = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=child, user=nurse)
    login(page, nurse)
    page.goto(f"{live_server.url}/patients/{child.pk}/appointments/")
    page.get_by_label("Type of appointment").select_option("mri")
    page.get_by_label("Starts").fill("2027-10-31T01:30")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_role("button", name="Book appointment").click()

    expect(page.locator(".error-summary")).to_contain_text("so 1:30am happens twice")
    page.get_by_label("The second 1:30am (GMT, after the clocks go back)").check()
    screenshot("repeated-hour-choice")
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_text("Booked:")).to_be_visible()
    appointment = Appointment.objects.get(patient=child)
    assert appointment.starts_at == datetime.datetime(2027, 10, 31, 1, 30, tzinfo=datetime.UTC)
