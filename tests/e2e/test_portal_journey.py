"""The family portal through a real browser, on a phone-sized and a desktop viewport.

A guardian logs in and lands on their child's page (appointments with preparation notes, the treatment
calendar, a shared letter, the care team), confirms an appointment, and tells the team that symptoms are
coming back. The confirmation gives safety advice. The named nurse then finds the child flagged on the
caseload and an urgent task waiting.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, User
from apps.documents import services as documents
from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment
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

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PREPARATION = "Bring Maya's red book and a favourite toy."


def _log_in(page: Page, login, user: User, path: str = "/login/") -> None:
    login(page, user, path=path)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _both_viewports(page: Page, screenshot, step: str) -> None:
    """Screenshots at 390px (a phone) and 1280px; the page must not scroll sideways on the phone."""
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{step}: the page is {width}px wide on a 390px phone"
    assert_no_serious_axe_violations(page, f"{step} at 390px")
    screenshot(f"{step}-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(f"{step}-desktop")


def test_family_confirms_an_appointment_and_reports_symptoms_and_the_nurse_sees_an_urgent_task(
    page: Page, login, screenshot, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    consultant = StaffFactory(full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT)
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=nurse)
    CareTeamMemberFactory(patient=maya, user=consultant, role=StaffProfile.Role.CONSULTANT)
    guardian = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=3
    )
    clinic = scheduling.appointment_book(
        actor=nurse,
        patient=maya,
        kind=Appointment.Kind.NEUROLOGY_CLINIC,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        clinician=consultant,
        location="Outpatients, Clinic 4",
        preparation_notes=PREPARATION,
    )
    scheduling.series_create(
        actor=nurse,
        patient=maya,
        title="IVIG every 4 weeks",
        interval_days=28,
        count=4,
        first_starts_at=start + datetime.timedelta(days=7),
    )
    for days_late in (14, 9, 3):  # routine backlog that once outranked a symptom report
        task_open(
            title=f"Book the overdue re-evaluation ({days_late} days late)",
            source=Task.Source.RE_EVALUATION,
            assignee=nurse,
            patient=maya,
            due_on=timezone.localdate() - datetime.timedelta(days=days_late),
        )
    documents.document_upload(
        actor=nurse,
        patient=maya,
        title="Clinic letter",
        dated=timezone.localdate(),
        upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )

    # 1. The family lands on Maya's page.
    _log_in(page, login, guardian, path="/portal/login/")
    expect(page).to_have_url(f"{live_server.url}/portal/children/{maya.pk}/")
    visits = page.get_by_role("region", name="Maya's appointments").locator(".visit")
    expect(visits.first).to_contain_text("Neurology clinic")
    expect(visits.first).to_contain_text(PREPARATION)
    treatment = page.get_by_role("region", name="Treatment calendar")
    expect(treatment.get_by_role("heading", name="IVIG every 4 weeks")).to_be_visible()
    expect(treatment.get_by_role("listitem")).to_have_count(4)
    expect(page.get_by_role("region", name="Letters and documents").get_by_role("link")).to_contain_text(
        ["Clinic letter"]
    )
    team = page.get_by_role("region", name="Maya's care team")
    expect(team).to_contain_text("Dr Ceri Neuro")
    expect(team).not_to_contain_text(consultant.email)
    _both_viewports(page, screenshot, "1-child-page")

    # 2. They confirm the clinic appointment.
    with page.expect_navigation():
        visits.first.get_by_role("button", name="Confirm we will be there").click()
    expect(page.get_by_role("status")).to_contain_text("We have noted that you will be there")
    expect(visits.first).to_contain_text("Confirmed")
    clinic.refresh_from_db()
    assert clinic.status == Appointment.Status.CONFIRMED

    # 3. They tell the team that symptoms are coming back.
    page.get_by_role("link", name="Tell us symptoms are coming back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are Maya's symptoms coming back?")
    expect(page.get_by_role("group")).to_have_count(7)
    _both_viewports(page, screenshot, "2-symptoms-form")
    answers = {
        "Is Maya more unsteady when walking, standing or sitting?": "A lot",
        "Does Maya have jerky movements, shaking or trembling?": "A little",
        "Have you noticed unusual movements of Maya's eyes?": "No",
        "Is Maya sleeping worse than usual?": "A little",
        "Is Maya more irritable, upset or cross than usual?": "A lot",
        "Has Maya's speech changed?": "No",
        "Has Maya been ill recently, or had a high temperature?": "Yes",
    }
    for question, answer in answers.items():
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label("Anything else you want to tell us (optional)").fill("Wobbly since her cold on Monday.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send to the nurse specialist").click()
    expect(page).to_have_url(f"{live_server.url}/portal/children/{maya.pk}/symptoms/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. We have your report")
    safety = page.get_by_role("region", name="While you wait")
    expect(safety).to_contain_text("Call 999 or go to A&E")
    expect(safety).to_contain_text("Call NHS 111")
    _both_viewports(page, screenshot, "3-symptoms-sent")
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()

    # 4. The named nurse sees the flag on the caseload and the urgent task.
    _log_in(page, login, nurse)
    expect(page.get_by_role("link", name="Symptoms reported by the family")).to_be_visible()
    assert_no_serious_axe_violations(page, "4-caseload")
    screenshot("4-caseload")
    page.goto("/tasks/")
    task = page.get_by_role("row").filter(has_text="Symptoms returning: Maya Patel")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Urgent")
    # Urgent first, above older overdue routine work, and the page says how it is sorted.
    expect(page.locator("tbody tr").first).to_contain_text("Symptoms returning: Maya Patel")
    expect(page.locator("#sort-line")).to_contain_text("Sorted by: urgency, then due date")
    assert_no_serious_axe_violations(page, "5-urgent-task")
    screenshot("5-urgent-task")

    # 5. From the caseload flag to the report on the pathway; marking it reviewed clears the flag.
    page.goto("/caseload/")
    page.get_by_role("link", name="Symptoms reported by the family").click()
    reports = page.get_by_role("region", name="Symptoms reported by the family")
    expect(reports).to_contain_text("Wobbly since her cold on Monday.")
    expect(reports).to_contain_text("Not yet reviewed")
    assert_no_serious_axe_violations(page, "6-pathway-report")
    screenshot("6-pathway-report")
    reports.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_role("status")).to_contain_text("Symptom report marked as reviewed.")
    expect(page.get_by_role("region", name="Symptoms reported by the family")).to_contain_text("Reviewed")
    page.goto("/caseload/")
    expect(page.get_by_role("link", name="Symptoms reported by the family")).to_have_count(0)
