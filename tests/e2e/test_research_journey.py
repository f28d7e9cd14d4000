"""Consent and the research export in Chromium: a nurse records a family's consent on the child's
Consent tab; the research lead runs the export and downloads the zip."""

import datetime
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.research import export
from apps.research.models import Consent, ConsentScope, ResearchExport
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import CareTeamMemberFactory, GuardianFactory, PatientFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
Role = StaffProfile.Role


def test_nurse_records_consent_and_the_research_lead_downloads_the_export(
    page: Page, login, screenshot, monkeypatch, settings, tmp_path
):
    settings.RESEARCH_EXPORT_ROOT = tmp_path / "exports"
    # No worker in this test: the queued job runs at once, in the server's thread.
    monkeypatch.setattr(
        "apps.research.tasks.build_research_export.delay", lambda pk: export.export_build(export_id=pk)
    )
    registry = ConsentScope.objects.create(
        code="demo-oms-registry", name="Demo OMS registry", kind="registry", is_demo=True
    )
    ConsentScope.objects.create(
        code="demo-sleep-study", name="Demo sleep study", kind="research", is_demo=True
    )
    nurse = StaffFactory(email="nina@example.org", full_name="Nina Nurse", role=Role.NURSE_SPECIALIST)
    child = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    CareTeamMemberFactory(patient=child, user=nurse)
    GuardianFactory(patient=child, user__full_name="Anna Patel", relationship="mother")
    earlier = Consent.objects.create(
        patient=child,
        scope=ConsentScope.objects.get(code="demo-sleep-study"),
        decision="permit",
        period_start=timezone.localdate() - datetime.timedelta(days=90),
        consenter="young_person",
        verification="verbal_witnessed",
        recorded_by=nurse,
        recorded_at=timezone.now() - datetime.timedelta(days=90),
        withdrawn_on=timezone.localdate() - datetime.timedelta(days=10),
        withdrawn_by=nurse,
        withdrawn_at=timezone.now() - datetime.timedelta(days=10),
    )
    assert earlier.is_withdrawn

    login(page, nurse)
    page.goto(f"/patients/{child.pk}/")
    page.get_by_role("link", name="Consent").click()
    expect(page.get_by_role("heading", name="Consent now")).to_be_visible()
    page.get_by_label("Registry or study").select_option(label="Demo OMS registry (demo)")
    page.get_by_label("Agreed (permit)").check()
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Which parent or guardian").select_option(label="Anna Patel, mother")
    page.get_by_label("Signed paper form seen").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    assert Consent.objects.filter(patient=child, scope=registry, decision="permit").exists()
    assert_no_serious_axe_violations(page, "consent")
    screenshot("staff-consent")

    lead = StaffFactory(email="rhea@example.org", full_name="Rhea Lead", role=Role.CLINIC_ADMIN)
    lead.user_permissions.add(Permission.objects.get(codename="run_export"))
    page.context.clear_cookies()
    login(page, lead)
    page.get_by_role("link", name="Research").click()
    page.get_by_label("Registry or study").select_option("demo-oms-registry")
    page.get_by_role("button", name="Start the export").click()
    expect(page.get_by_text("Export requested.")).to_be_visible()
    page.reload()
    expect(page.get_by_text("Ready")).to_be_visible()
    assert_no_serious_axe_violations(page, "research export")
    screenshot("research-export")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        assert "data_dictionary.csv" in archive.namelist()
        assert b"Patel" not in b"".join(archive.read(n) for n in archive.namelist())
    assert ResearchExport.objects.get().children_count == 1
