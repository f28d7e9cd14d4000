"""The emergency plan through a real browser: the consultant approves the draft the nurse prepared on
the child's Emergency plan tab, and the family, on a phone, opens the plan and downloads it as a PDF."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team, User
from apps.emergency_plans import services
from apps.pathways.services import course_create
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _log_in(page: Page, login, user: User, path: str = "/login/") -> None:
    login(page, user, path=path)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_consultant_approves_and_the_family_sees_the_plan_and_downloads_it_on_a_phone(
    page: Page, login, screenshot
):
    # A browser test's database is flushed between tests: load the demo wording the migration seeds.
    importlib.import_module("apps.emergency_plans.migrations.0002_demo_advice_blocks").seed(apps, None)
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    Team.objects.filter(code=Team.Code.NURSING).update(
        phone="01632 960123", out_of_hours_phone="01632 960999", contact_is_demo=True
    )
    consultant = StaffFactory(full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT)
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    CareTeamMemberFactory(patient=maya, user=consultant, role=StaffProfile.Role.CONSULTANT, is_lead=True)
    guardian = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    course_create(
        actor=consultant,
        patient=maya,
        agent="acth",
        start_date=timezone.localdate() - datetime.timedelta(days=20),
    )
    course_create(
        actor=consultant,
        patient=maya,
        agent="ivig",
        start_date=timezone.localdate() - datetime.timedelta(days=5),
    )
    services.plan_prepare(actor=nurse, patient=maya, note="Started ACTH and IVIG")

    # The consultant reads the draft on the child's record and approves it.
    _log_in(page, login, consultant)
    page.goto(f"/patients/{maya.pk}/emergency-plan/")
    expect(page.get_by_text("Draft waiting for approval")).to_be_visible()
    expect(page.get_by_text("The care team will add advice about IVIG").first).to_be_visible()
    assert_no_serious_axe_violations(page, "staff emergency plan")
    screenshot("1-staff-draft")
    page.get_by_role("button", name="Approve version 1 for the family").click()
    expect(page.get_by_text("Version 1 approved")).to_be_visible()
    screenshot("2-staff-approved")
    page.get_by_role("button", name="Log out").click()

    # The family, on a phone, finds the plan from the child's page.
    page.set_viewport_size(PHONE)
    _log_in(page, login, guardian, path="/portal/login/")
    page.goto(f"/portal/children/{maya.pk}/")
    page.get_by_role("link", name="If Maya becomes unwell").click()
    expect(page.get_by_role("heading", name="If Maya becomes unwell", level=1)).to_be_visible()
    expect(page.get_by_text("Steroid or ACTH treatment", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="01632 960123").first).to_have_attribute("href", "tel:01632960123")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the plan is {width}px wide on a 390px phone"
    assert_no_serious_axe_violations(page, "family emergency plan at 390px")
    screenshot("3-family-plan-phone")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the plan (PDF)").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert download.value.suggested_filename == "emergency-plan-v1.pdf"
    page.set_viewport_size(DESKTOP)
    screenshot("4-family-plan-desktop")
