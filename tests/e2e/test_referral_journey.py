"""Issue 4's referral journey through a real browser.

A nurse specialist refers a child on her caseload to Oncology; an oncologist triages it from the
team inbox and takes the booking task from the team queue; the nurse then sees the Oncology lane
move to Assessing and the referral accepted under "Sent by me".
"""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, User
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import CareTeamMemberFactory, PatientFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CHILD = "PATEL, Maya"
BOOKING_TASK = "Book an appointment for an accepted referral"


def _main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def _log_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def _log_in(page: Page, login, user: User) -> None:
    login(page, user)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_nurse_refers_to_oncology_and_an_oncologist_triages_and_takes_the_booking(
    page: Page, login, screenshot, live_server
):
    # The oncologist exists first, so the Oncology team is there to refer to.
    oncologist = StaffFactory(
        full_name="Omar Oncologist", role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"]
    )
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)

    # 1. The nurse opens Maya from her caseload and refers her to Oncology, urgently.
    _log_in(page, login, nurse)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    page.get_by_role("link", name=CHILD, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/")  # the name opens the summary
    page.get_by_role("link", name="Pathway", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/pathway/")
    page.get_by_role("link", name="Details and team").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/")
    page.get_by_role("link", name="Refer to a team").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/refer/")
    expect(page.get_by_role("heading", name="Refer Maya Patel", level=1)).to_be_visible()

    page.get_by_label("Refer to", exact=True).select_option(label="Oncology")
    page.get_by_role("radio", name="Urgent", exact=True).check()
    page.get_by_label("Reason for referral", exact=True).fill(
        "New mass on the latest MRI; please assess for treatment."
    )
    assert_no_serious_axe_violations(page, "1-referral-form")
    screenshot("1-referral-form")
    page.get_by_role("button", name="Send referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Referral sent to Oncology.")
    expect(page.get_by_role("heading", name="Referral to Oncology", level=1)).to_be_visible()
    expect(page.get_by_text("Awaiting triage", exact=True)).to_be_visible()
    referral_url = page.url
    # The nurse is not in Oncology, so she cannot triage her own referral.
    expect(page.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    assert_no_serious_axe_violations(page, "1-referral-sent")
    screenshot("1-referral-sent")
    _log_out(page)

    # 2. The oncologist finds it in the Oncology inbox and accepts it.
    _log_in(page, login, oncologist)
    _main_nav(page).get_by_role("link", name="Referrals").click()
    expect(page).to_have_url(f"{live_server.url}/referrals/")
    inbox_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CHILD, exact=True))
    expect(inbox_row).to_have_count(1)
    expect(inbox_row).to_contain_text("Awaiting triage")
    expect(inbox_row).to_contain_text("Urgent")
    assert_no_serious_axe_violations(page, "2-team-inbox")
    screenshot("2-team-inbox")

    inbox_row.get_by_role("link", name=CHILD, exact=True).click()
    expect(page).to_have_url(referral_url)
    page.get_by_role("button", name="Accept", exact=True).click()  # htmx swaps the referral body

    expect(page.get_by_role("status")).to_contain_text("Referral accepted.")
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as booked")).to_be_visible()
    assert_no_serious_axe_violations(page, "2-referral-accepted")
    screenshot("2-referral-accepted")

    # 3. The booking task waits in the Oncology queue; the oncologist takes it.
    _main_nav(page).get_by_role("link", name="Tasks").click()
    page.get_by_role("link", name=re.compile(r"^My teams' queues")).click()
    expect(page).to_have_url(re.compile(r"/tasks/\?list=team$"))
    task_row = page.get_by_role("row").filter(has_text=CHILD).filter(has_text=BOOKING_TASK)
    expect(task_row).to_have_count(1)
    expect(task_row).to_contain_text("Oncology queue")
    assert_no_serious_axe_violations(page, "3-team-queue")
    screenshot("3-team-queue")

    task_row.get_by_role("button", name="Take this task").click()  # htmx swaps the row
    expect(task_row.get_by_role("button", name="Mark done")).to_be_visible()
    expect(task_row.get_by_role("button", name="Take this task")).to_have_count(0)
    expect(task_row).to_contain_text("Omar Oncologist")
    assert_no_serious_axe_violations(page, "3-task-taken")
    screenshot("3-task-taken")

    page.get_by_role("link", name=re.compile(r"^My tasks")).click()
    expect(page).to_have_url(re.compile(r"/tasks/\?list=mine$"))
    my_row = page.get_by_role("row").filter(has_text=CHILD).filter(has_text=BOOKING_TASK)
    expect(my_row).to_have_count(1)
    expect(my_row.get_by_role("button", name="Mark done")).to_be_visible()
    assert_no_serious_axe_violations(page, "3-my-tasks")
    screenshot("3-my-tasks")
    _log_out(page)

    # 4. Back on the nurse's caseload: Oncology is assessing, and her referral was accepted.
    _log_in(page, login, nurse)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    caseload_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CHILD, exact=True))
    expect(caseload_row).to_have_count(1)
    expect(caseload_row).to_contain_text("Oncology: Assessing")
    assert_no_serious_axe_violations(page, "4-caseload-lanes")
    screenshot("4-caseload-lanes")

    _main_nav(page).get_by_role("link", name="Referrals").click()
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Sent by me").click()
    expect(page).to_have_url(f"{live_server.url}/referrals/sent/")
    sent_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CHILD, exact=True))
    expect(sent_row).to_have_count(1)
    expect(sent_row).to_contain_text("Oncology")
    expect(sent_row).to_contain_text("Accepted")
    assert_no_serious_axe_violations(page, "4-sent-by-me")
    screenshot("4-sent-by-me")

    # Still not hers to triage: the accepted referral offers her no Oncology actions.
    sent_row.get_by_role("link", name=CHILD, exact=True).click()
    expect(page).to_have_url(referral_url)
    expect(page.get_by_text("Accepted", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Mark as booked")).to_have_count(0)
