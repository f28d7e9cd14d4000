"""Issue 10's two-step journey through a real browser.

With two-step verification required, a nurse logs in with her password, is sent to set-up, adds
CareCoord to an authenticator app (the test computes the app's code from the key shown on the
page), saves her backup codes and reaches her caseload. Next time, a wrong code is refused and a
backup code lets her in.
"""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _app_code(secret_shown: str) -> str:
    """What an authenticator app shows now for the key typed in by hand."""
    key = b32decode(secret_shown.replace(" ", ""))
    return f"{totp(key):06d}"


def test_nurse_sets_up_two_step_verification_and_reaches_her_caseload(
    page: Page, login, screenshot, live_server, settings
):
    settings.STAFF_2FA_REQUIRED = True
    nurse = StaffFactory(full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST)

    login(page, nurse)

    expect(page).to_have_url(re.compile(r"/account/two-step/set-up/\?next=/caseload/$"))
    expect(page.get_by_role("heading", name="Set up two-step verification", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nothing else opens yet
    assert_no_serious_axe_violations(page, "set-up")
    screenshot("set-up")

    secret = page.locator("#secret-key code").inner_text()
    page.get_by_label("Enter the 6-digit code the app shows").fill(_app_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", name="Save your backup codes", level=1)).to_be_visible()
    codes = page.get_by_role("list", name="Backup codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    assert_no_serious_axe_violations(page, "backup-codes")
    screenshot("backup-codes")
    page.get_by_role("link", name="I have saved my codes, continue").click()

    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert_no_serious_axe_violations(page, "caseload")
    screenshot("caseload")

    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    login(page, nurse)

    expect(page).to_have_url(re.compile(r"/account/two-step/code/\?next=/caseload/$"))
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    assert_no_serious_axe_violations(page, "code")
    screenshot("code")
    page.get_by_label("Code").fill("123 456")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_no_serious_axe_violations(page, "wrong-code")
    screenshot("wrong-code")

    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(page.get_by_role("status")).to_contain_text("You used a backup code. You have 9 left.")
