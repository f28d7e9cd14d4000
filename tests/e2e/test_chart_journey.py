"""The consultant's chart with the family's data: reports and videos as links above the scores, a
questionnaire series on its own axis, the diary band, and the tables beside it.

Until the diary, video and questionnaire apps register their providers, a stand-in provider is
registered in this process; the live server runs in a thread of the same process, so it sees it.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.models import SymptomReport
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)
from tests.pathways.family_fake import QUESTIONNAIRE, FakeFamilyData, registered

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ITEMS = [
    services.ItemSpec("Stance", 0, 3, code="stance"),
    services.ItemSpec("Gait", 0, 3, code="gait"),
    services.ItemSpec("Arm and hand function", 0, 3, code="arms"),
    services.ItemSpec("Opsoclonus", 0, 3, code="eyes"),
    services.ItemSpec("Mood and behaviour", 0, 3, code="mood"),
    services.ItemSpec("Speech", 0, 3, code="speech"),
]
# (days ago, value of each item): severe at diagnosis, better on treatment, a bump at the relapse.
SCORES = [(230, 3), (200, 2), (170, 2), (140, 1), (110, 1), (80, 0), (34, 1), (12, 0)]


def _ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _history(consultant, family, child) -> SymptomReport:
    scale = services.scale_create(actor=None, name="Demo OMS scale", items=ITEMS, is_demo=True)
    for days, value in SCORES:
        values = {item.code: value for item in ITEMS}
        if days == 230:
            values["eyes"] = 2  # not every item at the top
        services.score_record(
            actor=consultant, patient=child, scale=scale, assessed_on=_ago(days), values=values
        )
    dex = services.course_create(
        actor=consultant, patient=child, agent="dexamethasone_pulses", start_date=_ago(225)
    )
    services.course_transition(actor=consultant, course=dex, to_status="weaning", on_date=_ago(60))
    ivig = services.course_create(actor=consultant, patient=child, agent="ivig", start_date=_ago(180))
    services.course_transition(actor=consultant, course=ivig, to_status="completed", on_date=_ago(90))
    services.relapse_record(actor=consultant, patient=child, onset_date=_ago(36), severity="mild")
    report = services.symptom_report_submit(
        actor=family,
        patient=child,
        unsteady="a_lot",
        jerky_movements="a_little",
        eye_movements="no",
        sleep="a_little",
        behaviour="a_lot",
        speech="no",
        recent_illness="yes",
    )
    SymptomReport.objects.filter(pk=report.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=38)
    )
    return report


def _save_chart(page: Page, name: str) -> None:
    directory = os.environ.get("CARECOORD_SCREENSHOTS", "")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.locator("#scores").screenshot(path=Path(directory) / name)


def test_the_consultant_sees_the_familys_markers_on_the_chart(page: Page, login, screenshot, live_server):
    consultant = StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)
    maya = PatientFactory(given_name="Maya", family_name="Patel")
    CareTeamMemberFactory(patient=maya, user=consultant, role=StaffProfile.Role.CONSULTANT)
    family = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    report = _history(consultant, family, maya)
    provider = FakeFamilyData(video_url="/patients/{patient}/?video={n}")

    with registered(provider):
        login(page, consultant)
        page.goto(f"/patients/{maya.pk}/pathway/")
        chart = page.locator("#scores svg.severity-chart")
        expect(chart).to_be_visible()

        # Reports and videos are links with the item's own address, named by their titles.
        markers = chart.locator("a.family-marker")
        expect(markers).to_have_count(3)
        expect(chart.locator("a.marker-video")).to_have_count(2)
        expect(chart.locator("a.marker-symptom-report")).to_have_attribute(
            "href", f"/patients/{maya.pk}/pathway/#symptom-report-{report.pk}"
        )
        video = page.get_by_role(
            "link", name=re.compile(r"^Video from the family, .*Eye movements after waking")
        )
        expect(video).to_have_count(2)
        # Questionnaire scores: a second series with its own axis, each point a link.
        expect(chart.locator("a.questionnaire-point")).to_have_count(8)
        expect(chart.locator(".questionnaire-axis")).to_contain_text("Questionnaire score")
        expect(chart.locator(".legend")).to_contain_text(QUESTIONNAIRE)
        # The diary: one cell per day.
        expect(chart.locator("rect.diary-day")).to_have_count(42)
        assert_no_serious_axe_violations(page, "pathway chart with family data")
        _save_chart(page, "chart-with-family-data.png")
        screenshot("pathway")
        page.set_viewport_size({"width": 820, "height": 1180})  # a tablet, upright
        _save_chart(page, "chart-with-family-data-tablet.png")
        page.set_viewport_size({"width": 1280, "height": 900})

        # Keyboard: the first family link takes focus and shows it; Enter opens the item.
        first = markers.first
        first.focus()
        expect(first).to_be_focused()
        _save_chart(page, "chart-marker-focused.png")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/patients/{maya.pk}/pathway/#symptom-report-{report.pk}$"))
        expect(page.locator(f"#symptom-report-{report.pk}")).to_be_visible()

        # A reviewed report sits in a folded list; following its marker unfolds it (Chromium opens a
        # <details> that holds the link's target).
        services.symptom_report_review(actor=consultant, report=report)
        page.goto(f"/patients/{maya.pk}/pathway/")
        expect(page.locator(f"#symptom-report-{report.pk}")).to_be_hidden()
        chart.locator("a.marker-symptom-report").click()
        expect(page.locator(f"#symptom-report-{report.pk}")).to_be_visible()
        expect(page.locator(f"#symptom-report-{report.pk}")).to_contain_text("Reviewed")

        page.goto(f"/patients/{maya.pk}/pathway/")
        with page.expect_navigation():
            chart.locator("a.marker-video").last.click()
        expect(page).to_have_url(re.compile(rf"/patients/{maya.pk}/\?video=\d$"))

        # The same data in words: the tables beside the chart list what the family sent.
        page.goto(f"/patients/{maya.pk}/pathway/")
        page.get_by_text("Show the scores and the family's data as tables").click()
        reports = page.get_by_role("table", name="Reports and videos from the family")
        expect(reports.get_by_role("row")).to_have_count(1 + 3)
        expect(reports.get_by_role("link", name=re.compile("Symptoms returning"))).to_have_attribute(
            "href", f"/patients/{maya.pk}/pathway/#symptom-report-{report.pk}"
        )
        expect(page.get_by_role("table", name="Questionnaire scores").get_by_role("row")).to_have_count(1 + 8)
        diary = page.get_by_role("table", name=re.compile("The family's diary"))
        expect(diary.get_by_role("row")).to_have_count(1 + 42)
        expect(diary).to_contain_text("marked")
        assert_no_serious_axe_violations(page, "pathway tables")
        _save_chart(page, "chart-tables.png")
    assert provider.calls >= 1
