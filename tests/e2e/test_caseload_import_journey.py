"""The caseload import journey: a nurse downloads the template, uploads her spreadsheet, reads the dry
run row by row and applies it; a large file is checked by the worker while the page shows progress."""

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team
from apps.imports import services
from apps.imports.models import CaseloadImport
from apps.patients.models import Patient
from tests.factories import PatientFactory, StaffFactory
from tests.imports.conftest import child_row, write_csv

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _people() -> StaffProfile:
    Team.objects.get_or_create(code="nursing", defaults={"name": "Nursing"})
    nurse = StaffFactory(
        email="nina@example.org",
        full_name="Nina Nurse",
        role=StaffProfile.Role.NURSE_SPECIALIST,
        role__teams=["nursing"],
    )
    StaffFactory(email="cara@example.org", full_name="Dr Cara Consultant", role=StaffProfile.Role.CONSULTANT)
    return nurse


def test_nurse_uploads_a_caseload_checks_the_dry_run_and_applies_it(page: Page, login, screenshot, tmp_path):
    nurse = _people()
    PatientFactory(
        hospital_number="H900003",
        nhs_number="4857773457",
        given_name="Cleo",
        family_name="Cole",
        date_of_birth="2020-06-01",
        sex="female",
        named_nurse=nurse,
        school="Oak Nursery",
    )
    rows = [
        child_row(),
        child_row(hospital_number="H900002", nhs_number="", given_name='=HYPERLINK("x")', family_name="Bell"),
        child_row(
            hospital_number="H900003",
            nhs_number="4857773457",
            given_name="Cleo",
            family_name="Cole",
            date_of_birth="2020-06-01",
            school="Elm School",
            care_team_emails="",
            lead_clinician_email="",
            guardian_1_name="",
            guardian_1_email="",
            guardian_1_relationship="",
            guardian_1_parental_responsibility="",
        ),
    ]
    path = tmp_path / "caseload.csv"
    path.write_bytes(write_csv(rows))

    login(page, nurse)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import a caseload")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (CSV)").click()
    assert download.value.suggested_filename == "caseload-template.csv"
    page.get_by_label("CSV file").set_input_files(str(path))
    screenshot("upload")
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Dry run: check before applying")).to_be_visible()
    plan = page.get_by_role("table", name="What each row would do")
    expect(plan.get_by_role("row").nth(1)).to_contain_text("Register Alice Aardvark")
    expect(plan.get_by_role("row").nth(2)).to_contain_text("runs as a formula")
    expect(plan.get_by_role("row").nth(3)).to_contain_text("School: “Oak Nursery” → “Elm School”")
    screenshot("dry-run")
    assert Patient.objects.count() == 1

    page.get_by_role("button", name="Apply 2 changes").click()
    expect(page.get_by_role("heading", name="Import applied")).to_be_visible()
    screenshot("applied")
    assert Patient.objects.get(hospital_number="H900003").school == "Elm School"
    assert Patient.objects.filter(hospital_number="H900001").exists()


def test_a_large_file_shows_its_progress_and_the_page_updates_when_the_job_is_done(
    page: Page, login, screenshot, tmp_path
):
    nurse = _people()
    rows = [
        child_row(hospital_number=f"H7{n:05d}", nhs_number="", given_name=f"Child{n}")
        for n in range(services.IMPORT_INLINE_ROWS + 15)
    ]
    path = tmp_path / "big.csv"
    path.write_bytes(write_csv(rows))
    login(page, nurse)
    page.goto("/caseload-imports/")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text(f"0 of {len(rows)} rows done")).to_be_visible()
    screenshot("progress")
    # The worker's part, done here: the polling page sees the job finish and reloads with the plan.
    services.plan_rows(job_id=CaseloadImport.objects.get().pk)
    expect(page.get_by_role("heading", name="Dry run: check before applying")).to_be_visible(timeout=8000)
    expect(page.get_by_role("button", name=f"Apply {len(rows)} changes")).to_be_visible()
    screenshot("planned-after-progress")
