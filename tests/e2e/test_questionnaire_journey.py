"""A parent answers an assigned questionnaire on a phone in real Chromium, and the nurse reads the
scored response on the child's Questionnaires tab.

The parent first sends the form with a question unanswered (a plain message, nothing saved), then
answers every question with large tap targets; the page never scrolls sideways at 390px and has no
serious axe violations. The nurse sees the total, the change and each answer with its score.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.questionnaires import services
from apps.questionnaires.models import QuestionnaireResponse
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)
from tests.questionnaires.demo_rows import demo_questionnaire_row

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _fits_the_phone(page: Page, step: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{step}: the page is {width}px wide on a 390px phone"
    assert_no_serious_axe_violations(page, f"{step} at 390px")


def _choose(page: Page, question: str, answer: str) -> None:
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def test_a_parent_answers_an_assigned_questionnaire_on_a_phone_and_the_nurse_sees_the_score(
    page: Page, login, screenshot, live_server
):
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    parent = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    questionnaire = demo_questionnaire_row()
    assignment = services.assignment_create(
        actor=nurse,
        patient=maya,
        questionnaire=questionnaire,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )

    # 1. The parent, on a phone, finds the questionnaire on Maya's page.
    page.set_viewport_size(PHONE)
    login(page, parent, path="/portal/login/")
    expect(page).to_have_url(f"{live_server.url}/portal/children/{maya.pk}/")
    waiting = page.get_by_role("region", name="Questions from Maya's team")
    expect(waiting).to_be_visible()
    waiting.get_by_role("link", name="Answer the questions").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Behaviour and sleep")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "demo configuration — not a validated instrument"
    )
    _fits_the_phone(page, "questionnaire")
    screenshot("1-questionnaire-phone")

    # 2. A question left unanswered: a plain message, nothing saved.
    _choose(page, "How easily did they settle to sleep?", "It took a while")
    page.get_by_role("button", name="Send my answers").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Answer this question.")
    assert not QuestionnaireResponse.objects.exists()
    _fits_the_phone(page, "questionnaire with errors")
    screenshot("2-questionnaire-errors-phone")

    # 3. Every question answered; tap targets are at least 44px tall.
    _choose(page, "How easily did they settle to sleep?", "It took a while")
    page.get_by_label("On a usual night, how many times did they wake?").fill("2")
    _choose(page, "Rages or tantrums that were hard to calm?", "Most days")
    _choose(page, "Were they mostly happy and content?", "Yes")
    _choose(page, "How well did they play and join in, compared with usual?", "A bit less")
    heights = page.locator(".choice").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answers have been sent")
    expect(page.get_by_text("You answered this on")).to_be_visible()
    _fits_the_phone(page, "questionnaire sent")
    screenshot("3-questionnaire-sent-phone")
    response = QuestionnaireResponse.objects.get(assignment=assignment)
    assert response.author == parent and response.total_score == 1 + 2 + 2 + 0 + 2  # play: 1 reversed is 2
    assert response.max_score == 15

    # 4. The nurse reads it on the child's Questionnaires tab.
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)
    login(page, nurse)
    page.goto(f"/patients/{maya.pk}/questionnaires/")
    table = page.get_by_role("table", name="Questionnaire responses, newest first")
    expect(table).to_contain_text("7 of 15")
    expect(table).to_contain_text("First response")
    assert_no_serious_axe_violations(page, "staff questionnaires tab")
    screenshot("4-staff-questionnaires")
    table.get_by_role("link").first.click()
    answers = page.get_by_role("table", name="Answers and item scores")
    expect(answers).to_contain_text("It took a while")
    expect(answers).to_contain_text("A bit less")
    assert_no_serious_axe_violations(page, "staff questionnaire response")
    screenshot("5-staff-response")
    reads = set(AccessEvent.objects.filter(user=nurse, patient=maya).values_list("what", flat=True))
    assert {"questionnaire responses", "questionnaire response"} <= reads
