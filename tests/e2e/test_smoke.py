"""Smoke journeys through a real browser: the staff login, the caseload and a child's page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.tasks.models import Task
from apps.tasks.services import task_open
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_nurse_logs_in_and_opens_a_child_from_her_caseload(page: Page, login, screenshot, live_server):
    nurse = StaffFactory(full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST)
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    PatientFactory(given_name="Oscar", family_name="Outsider")  # someone else's child

    login(page, nurse)

    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(page.get_by_role("heading", name="Your caseload", level=1)).to_be_visible()
    link = page.get_by_role("link", name="PATEL, Maya", exact=True)
    row = page.get_by_role("row").filter(has=link)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(maya.hospital_number)
    expect(row).to_contain_text("No contact recorded for 60 days")
    expect(page.get_by_role("link", name=re.compile("OUTSIDER"))).to_have_count(0)
    assert_no_serious_axe_violations(page, "caseload")
    screenshot("caseload")

    link.click()

    # The name opens the child's summary; Pathway is one tab along.
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/")
    care_team = page.get_by_role("region", name="Care team")
    expect(care_team.get_by_role("heading", name="Care team", level=2)).to_be_visible()
    expect(care_team.get_by_role("row").filter(has_text="Nina Nurse")).to_have_count(1)
    assert_no_serious_axe_violations(page, "patient")
    screenshot("patient")

    page.get_by_role("link", name="Pathway", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/pathway/")
    expect(page.get_by_role("heading", name="PATEL, Maya", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Pathway at a glance")).to_be_visible()
    assert_no_serious_axe_violations(page, "pathway")
    screenshot("pathway")


def test_family_on_the_staff_login_is_pointed_to_the_family_login(page: Page, login, screenshot, live_server):
    parent = FamilyFactory(full_name="Anne Family")
    GuardianFactory(user=parent)

    login(page, parent)

    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.get_by_role("alert")).to_contain_text(
        "This is the staff login. Families please use the family login page."
    )
    expect(page.get_by_role("link", name="Use the family log in")).to_be_visible()
    assert_no_serious_axe_violations(page, "rejected")
    screenshot("rejected")

    # Not logged in: a staff page still sends the browser back to the staff login.
    page.goto("/caseload/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/caseload/$"))


def test_a_nurse_pages_through_a_long_worklist_with_the_keyboard(page: Page, login, screenshot, live_server):
    nurse = StaffFactory(full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST)
    for i in range(53):
        task_open(
            title=f"Ring family {i:02d}",
            source=Task.Source.MANUAL,
            assignee=nurse,
            patient=PatientFactory(family_name=f"Child{i:02d}", named_nurse=nurse),
            due_on=timezone.localdate() + datetime.timedelta(days=i),
        )
    login(page, nurse)
    page.goto(f"{live_server.url}/tasks/?list=mine&sort=due")

    expect(page.get_by_text("53 tasks, showing 1 to 50")).to_be_visible()
    expect(page.get_by_role("link", name="Ring family 00")).to_be_visible()
    pages = page.get_by_role("navigation", name="Pages of this worklist")
    expect(pages).to_contain_text("Page 1 of 2")
    assert_no_serious_axe_violations(page, "worklist")
    screenshot("worklist")

    pages.get_by_role("link", name="Next").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("53 tasks, showing 51 to 53")).to_be_visible()
    expect(page.get_by_role("link", name="Ring family 52")).to_be_visible()
    expect(page.get_by_role("link", name="Ring family 00")).to_have_count(0)
    screenshot("worklist-page-2")
