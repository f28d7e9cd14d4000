"""The neuropsychology journey: a neuropsychologist records an assessment and the re-evaluation stops
being due; a school letter is drafted from the recommendations, edited, released, and downloaded by
the family on a phone."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team
from apps.neuropsych import services
from apps.pathways import services as pathways
from apps.scheduling import services as scheduling
from apps.scheduling.models import ReviewDue
from apps.tasks.models import Task
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)
from tests.scheduling.test_reviews import neuropsychology_policy

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}
PDF_MS = 30_000  # a click that renders a letter (WeasyPrint) on a loaded two-core machine


def _fits_the_phone(page: Page, step: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{step}: the page is {width}px wide on a 390px phone"


def test_an_assessment_closes_the_review_and_the_school_letter_reaches_the_family(
    page: Page, login, screenshot, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    import weasyprint  # noqa: F401  (loaded once here, not inside the first letter's request)

    neuropsychology_policy()
    nurse = StaffFactory(full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST)
    consultant = StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)
    person = StaffFactory(
        full_name="Dr Nell Okafor",
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        role__teams=[Team.Code.NEUROPSYCHOLOGY],
    )
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=maya, user=person, role=StaffProfile.Role.NEUROPSYCHOLOGIST)
    family = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    # Diagnosed five months ago: the baseline re-evaluation falls due within the job's lead time.
    pathways.assessment_update(
        actor=consultant, patient=maya, diagnosis_date=timezone.localdate() - datetime.timedelta(days=150)
    )
    assert scheduling.reviews_open_due() == 1
    review = ReviewDue.objects.get(patient=maya)
    # A baseline at the local hospital, 13 months ago (too early to count for this review).
    services.assessment_record(
        actor=person,
        patient=maya,
        assessed_on=timezone.localdate() - datetime.timedelta(days=400),
        assessed_by=person,
        results=[services.ResultSpec("attention", 1), services.ResultSpec("memory", 3)],
        recommendations="Baseline.",
    )

    # 1. The neuropsychologist records the assessment.
    login(page, person)
    page.goto(f"/patients/{maya.pk}/neuropsychology/")
    page.get_by_text("Record an assessment", exact=True).click()  # a baseline is there: the form is folded
    page.get_by_label("Date of the assessment").fill(
        (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    )
    page.get_by_label("Attention: result").select_option(label="Below average")
    page.get_by_label("Attention: notes").fill("Needs prompts to start tasks.")
    page.get_by_label("Memory: result").select_option(label="Average")
    page.get_by_label("Processing speed: result").select_option(label="Low average")
    page.get_by_label("Recommendations").fill("Short, one-step instructions. Extra time in tests.")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("status")).to_contain_text("re-evaluation that was due is complete")
    expect(page.locator("#results svg circle")).to_have_count(5)
    expect(page.locator("#results svg polyline")).to_have_count(2)  # attention and memory changed
    screenshot("1-results-chart")

    review.refresh_from_db()
    assert review.completed_on is not None and review.completed_by == person
    assert not Task.objects.filter(
        patient=maya, source=Task.Source.RE_EVALUATION, status=Task.Status.OPEN
    ).exists()
    page.goto(f"/patients/{maya.pk}/pathway/")
    expect(page.locator("#neuropsychology")).to_contain_text("Neuropsychology")

    # 2. A school letter: drafted from the recommendations, edited, released.
    page.goto(f"/patients/{maya.pk}/neuropsychology/")
    page.get_by_role("button", name="Draft a letter from the latest recommendations").click(timeout=PDF_MS)
    text = page.get_by_label("The letter's text")
    expect(text).to_have_value(re.compile("Short, one-step instructions"))
    text.fill(text.input_value() + "\n\nPlease talk to Maya's parents about a quiet space for tests.")
    page.get_by_role("button", name="Save as a new version").click(timeout=PDF_MS)
    expect(page.get_by_role("heading", name="Version 2")).to_be_visible()
    page.get_by_role("button", name="Release version 2 to the family").click()
    expect(page.get_by_role("status")).to_contain_text("in the family's documents")
    screenshot("2-letter-released")
    page.get_by_role("button", name="Log out").click()

    # 3. The family downloads it on a phone.
    page.set_viewport_size(PHONE)
    login(page, family, path="/portal/login/")
    page.goto(f"/portal/children/{maya.pk}/documents/")
    link = page.get_by_role("link", name="Letter for school: support for learning")
    expect(link).to_be_visible()
    _fits_the_phone(page, "documents")
    screenshot("3-family-documents-phone")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "letter.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename.endswith("-v2.pdf")
