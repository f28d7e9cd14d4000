"""Issue 6's family journey through a real browser: a message, a reply, an appointment, a symptom report.

A guardian writes to Maya's care team from a phone; Maya's named nurse (on her care team, in the Nursing
team) finds the conversation from her caseload and replies; the family sees the unread count in the
header, reads the reply and Maya's next appointment with its preparation notes, then reports that
symptoms are coming back and gets safety advice. The nurse then finds an urgent task and the caseload
flag. One page, logged out between people: family pages at 390px (one at desktop too), staff at desktop.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team, User
from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment
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
CHILD = "PATEL, Maya"
SUBJECT = "Question about Maya's medicine"
QUESTION = "Maya has been sleepy since the new dose on Monday. Is that expected?\nShe is eating well."
REPLY = "Thank you for telling us. Some sleepiness is expected for a week; I will call you tomorrow."
PREPARATION = "Bring Maya's red book and a favourite toy."
SYMPTOMS_TASK = "Symptoms returning: Maya Patel"


def _log_in(page: Page, login, user: User, path: str = "/login/") -> None:
    login(page, user, path=path)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _log_out(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def _header_messages(page: Page):
    """The header's "Messages" link; its name carries the unread count."""
    return page.get_by_role("banner").get_by_role("link", name=re.compile(r"^Messages \d+ conversations"))


def _unread_in_header(page: Page) -> int:
    expect(_header_messages(page)).to_be_visible()
    name = _header_messages(page).text_content() or ""
    found = re.search(r"Messages\s*(\d+)", name)
    assert found, f"no count in the header's Messages link: {name!r}"
    return int(found.group(1))


def _fits_the_phone(page: Page, step: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{step}: the page is {width}px wide on a 390px phone"


def _caseload_row(page: Page):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=CHILD, exact=True))


def test_family_messages_the_team_the_nurse_replies_and_the_family_reports_symptoms(
    page: Page, login, screenshot, live_server
):
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    consultant = StaffFactory(full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT)
    # The nursing team's line, as the clinic keeps it in the admin (a demo number).
    Team.objects.filter(code=Team.Code.NURSING).update(phone="01632 960123", contact_is_demo=True)
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    guardian = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=3
    )
    scheduling.appointment_book(
        actor=nurse,
        patient=maya,
        kind=Appointment.Kind.NEUROLOGY_CLINIC,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        clinician=consultant,
        location="Outpatients, Clinic 4",
        preparation_notes=PREPARATION,
        family_visible=True,
    )
    child_url = f"{live_server.url}/portal/children/{maya.pk}/"

    # 1. On a phone, the family writes to the care team.
    page.set_viewport_size(PHONE)
    _log_in(page, login, guardian, path="/portal/login/")
    expect(page).to_have_url(child_url)
    assert _unread_in_header(page) == 0
    _header_messages(page).click()
    expect(page).to_have_url(f"{live_server.url}/portal/children/{maya.pk}/messages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages about Maya")
    page.get_by_role("link", name="Send a message to the care team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a message to the care team")
    expect(
        page.get_by_text("Nina Nurse, your nurse specialist, and the nursing team will read it.")
    ).to_be_visible()
    expect(page.get_by_text("not for emergencies").first).to_be_visible()
    page.get_by_label("What is it about?", exact=True).fill(SUBJECT)
    page.get_by_label("Your message", exact=True).fill(QUESTION)
    _fits_the_phone(page, "new message")
    assert_no_serious_axe_violations(page, "1-family-new-message-phone")
    screenshot("1-family-new-message-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()
    expect(page).to_have_url(re.compile(rf"/portal/children/{maya.pk}/messages/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Your message has been sent to the care team.")
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    sent = page.get_by_role("listitem").filter(has_text="Is that expected?")
    expect(sent).to_have_count(1)
    expect(sent.get_by_text("You", exact=True)).to_be_visible()
    family_thread_url = page.url
    _fits_the_phone(page, "message sent")
    assert_no_serious_axe_violations(page, "1-family-message-sent-phone")
    screenshot("1-family-message-sent-phone")
    _log_out(page)

    # 2. The nurse sees it from her caseload, opens the conversation and replies.
    page.set_viewport_size(DESKTOP)
    _log_in(page, login, nurse)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    assert _unread_in_header(page) == 1
    row = _caseload_row(page)
    expect(row).to_have_count(1)
    waiting = row.get_by_role("link", name=re.compile(r"^Family waiting for a reply"))
    assert_no_serious_axe_violations(page, "2-nurse-caseload")
    screenshot("2-nurse-caseload")
    if waiting.count():
        # The caseload flags the family's message: follow it to Maya's conversations.
        expect(row).to_contain_text("1 unread family message")
        waiting.click()
        expect(page).to_have_url(f"{live_server.url}/patients/{maya.pk}/messages/")
        threads = page.get_by_role("row").filter(has=page.get_by_role("link", name=SUBJECT, exact=True))
    else:
        # No messages flag on the caseload: the Messages inbox in the main nav lists the thread.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
        expect(page).to_have_url(f"{live_server.url}/messages/")
        threads = page.get_by_role("row").filter(has_text=CHILD).filter(has_text=SUBJECT)
    expect(threads).to_have_count(1)
    expect(threads).to_contain_text("Needs a reply")
    expect(threads).to_contain_text("1 new")
    assert_no_serious_axe_violations(page, "2-nurse-conversations")
    screenshot("2-nurse-conversations")
    threads.get_by_role("link", name=SUBJECT, exact=True).click()
    expect(page).to_have_url(re.compile(r"/messages/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    question = page.get_by_role("listitem").filter(has_text="Is that expected?")
    expect(question).to_contain_text("Priya Patel")
    expect(question).to_contain_text("Family")
    expect(page.locator("#thread-status")).to_contain_text("Needs a reply")
    assert _unread_in_header(page) == 0
    page.get_by_label("Your reply to the family", exact=True).fill(REPLY)
    with page.expect_navigation():
        page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Reply sent to the family. The conversation is marked as handled."
    )
    expect(page.get_by_role("listitem").filter(has_text=REPLY)).to_contain_text("Nina Nurse")
    expect(page.locator("#thread-status")).to_contain_text("Handled")
    assert_no_serious_axe_violations(page, "2-nurse-replied")
    screenshot("2-nurse-replied")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(_caseload_row(page).get_by_role("link", name=re.compile(r"^Family waiting"))).to_have_count(0)
    _log_out(page)

    # 3. Back on the phone, the family sees the unread count, the reply and the appointment.
    page.set_viewport_size(PHONE)
    _log_in(page, login, guardian, path="/portal/login/")
    expect(page).to_have_url(child_url)
    assert _unread_in_header(page) > 0
    visits = page.get_by_role("region", name="Maya's appointments").get_by_role("listitem")
    expect(visits.first).to_contain_text("Neurology clinic")
    expect(visits.first).to_contain_text("Outpatients, Clinic 4")
    expect(visits.first).to_contain_text("With Dr Ceri Neuro")
    expect(visits.first).to_contain_text(PREPARATION)
    expect(visits.first.get_by_role("button", name=re.compile(r"^Confirm we will be there"))).to_be_visible()
    _fits_the_phone(page, "child page")
    assert_no_serious_axe_violations(page, "3-family-child-page-phone")
    screenshot("3-family-child-page-phone")
    page.set_viewport_size(DESKTOP)
    assert_no_serious_axe_violations(page, "3-family-child-page-desktop")
    screenshot("3-family-child-page-desktop")
    page.set_viewport_size(PHONE)

    _header_messages(page).click()
    conversation = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=SUBJECT, exact=True))
    expect(conversation).to_contain_text("1 new")
    assert_no_serious_axe_violations(page, "3-family-messages-phone")
    screenshot("3-family-messages-phone")
    conversation.get_by_role("link", name=SUBJECT, exact=True).click()
    expect(page).to_have_url(family_thread_url)
    reply = page.get_by_role("listitem").filter(has_text=REPLY)
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Nina Nurse")
    assert _unread_in_header(page) == 0
    _fits_the_phone(page, "reply")
    assert_no_serious_axe_violations(page, "3-family-reads-reply-phone")
    screenshot("3-family-reads-reply-phone")
    # Their Updates: cards in plain words, the new message first, nothing clipped on the phone.
    page.get_by_role("banner").get_by_role("link", name=re.compile(r"^Updates")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates")
    first = page.locator(".update-list > li").first
    expect(first).to_contain_text("You have a new message")
    expect(first.get_by_role("link", name=re.compile(r"^Read the message"))).to_be_visible()
    _fits_the_phone(page, "updates")
    assert_no_serious_axe_violations(page, "3-family-updates-phone")
    screenshot("3-family-updates-phone")

    # 4. They tell the team that symptoms are coming back, and get safety advice.
    page.goto(child_url)
    page.get_by_role("link", name="Tell us symptoms are coming back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are Maya's symptoms coming back?")
    answers = {
        "Is Maya more unsteady when walking, standing or sitting?": "A lot",
        "Does Maya have jerky movements, shaking or trembling?": "A little",
        "Have you noticed unusual movements of Maya's eyes?": "A little",
        "Is Maya sleeping worse than usual?": "No",
        "Is Maya more irritable, upset or cross than usual?": "A lot",
        "Has Maya's speech changed?": "No",
        "Has Maya been ill recently, or had a high temperature?": "No",
    }
    for question_text, answer in answers.items():
        page.get_by_role("group", name=question_text).get_by_label(answer, exact=True).check()
    page.get_by_label("Anything else you want to tell us (optional)").fill("Wobbly again since yesterday.")
    _fits_the_phone(page, "symptoms form")
    assert_no_serious_axe_violations(page, "4-family-symptoms-form-phone")
    screenshot("4-family-symptoms-form-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Send to the nurse specialist").click()
    expect(page).to_have_url(f"{child_url}symptoms/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. We have your report")
    expect(page.get_by_role("status")).to_contain_text("Nina Nurse, Maya's nurse specialist")
    safety = page.get_by_role("region", name="While you wait")
    expect(safety).to_contain_text("Call 999 or go to A&E")
    expect(safety).to_contain_text("Call NHS 111")
    expect(
        page.get_by_role("link", name="01632 960123")
    ).to_be_visible()  # who to call, not "contact the team"
    _fits_the_phone(page, "symptoms sent")
    assert_no_serious_axe_violations(page, "4-family-symptoms-sent-phone")
    screenshot("4-family-symptoms-sent-phone")
    _log_out(page)

    # 5. The nurse sees the caseload flag and the urgent task.
    page.set_viewport_size(DESKTOP)
    _log_in(page, login, nurse)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(_caseload_row(page).get_by_role("link", name="Symptoms reported by the family")).to_be_visible()
    assert_no_serious_axe_violations(page, "5-nurse-caseload-flag")
    screenshot("5-nurse-caseload-flag")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    page.get_by_role("navigation", name="Worklists").get_by_role(
        "link", name=re.compile(r"^My tasks")
    ).click()
    expect(page).to_have_url(re.compile(r"/tasks/\?list=mine$"))
    task = page.get_by_role("row").filter(has_text=CHILD).filter(has_text=SYMPTOMS_TASK)
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Urgent")
    expect(task).to_contain_text("Nina Nurse")
    assert_no_serious_axe_violations(page, "5-nurse-urgent-task")
    screenshot("5-nurse-urgent-task")
