"""The MDT journey: a nurse lists two children with questions, the chair runs the meeting on the shared
screen and records an outcome with two actions, which appear in the owners' worklists; once the chair
releases it, the outcome (in family wording) and its letter are in the family's portal."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, Team
from apps.mdt import services as mdt
from apps.pathways import services as pathways
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _scores(nurse, patient, scale, totals):
    today = timezone.localdate()
    for weeks_ago, total in zip(range(len(totals) * 6, 0, -6), totals, strict=False):
        pathways.score_record(
            actor=nurse,
            patient=patient,
            scale=scale,
            assessed_on=today - datetime.timedelta(weeks=weeks_ago),
            values={"stance": min(3, total), "gait": min(3, max(0, total - 3)), "speech": max(0, total - 6)},
        )


def test_nurse_lists_two_children_and_the_chair_records_an_outcome_on_the_shared_screen(
    page: Page, login, screenshot, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    team = TeamFactory(code=Team.Code.NEUROLOGY)
    nurse = StaffFactory(full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST)
    chair = StaffFactory(
        full_name="Dr Helen Marsh", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )
    maya = PatientFactory(given_name="Maya", family_name="Patel", named_nurse=nurse)
    leo = PatientFactory(given_name="Leo", family_name="Jones", named_nurse=nurse)
    family = GuardianFactory(patient=maya, user=FamilyFactory(full_name="Priya Patel")).user
    for child in (maya, leo):
        CareTeamMemberFactory(patient=child, user=chair, role=StaffProfile.Role.CONSULTANT)
    scale = pathways.scale_create(
        actor=None,
        name="OMS severity scale (demo configuration)",
        items=[pathways.ItemSpec("Stance"), pathways.ItemSpec("Gait"), pathways.ItemSpec("Speech")],
        is_demo=True,
    )
    _scores(nurse, maya, scale, [8, 7, 6, 5])
    _scores(nurse, leo, scale, [6, 4, 2])
    meeting = mdt.meeting_schedule(
        actor=chair,
        team=team,
        title="OMS clinic MDT",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        chair=chair,
        location="Seminar room 2",
    )
    mdt.attendance_record(actor=chair, meeting=meeting, present=[chair, nurse])

    login(page, nurse)
    page.goto(f"/mdt/{meeting.pk}/")
    for child, question in (
        (maya, "Step up to rituximab? Score 5/9 after 3 pulses of IVIG."),
        (leo, "Ready to wean steroids? Score 2/9, no relapse since clinic."),
    ):
        page.get_by_label("Child from your caseload").select_option(str(child.pk))
        page.get_by_role("button", name="Next: the question").click()
        page.get_by_label("Question for the meeting").fill(question)
        page.get_by_role("checkbox").first.check()  # the latest score
        page.get_by_role("button", name="Add to the list").click()
        expect(page.get_by_role("status")).to_contain_text("is on the list")
    page.get_by_role("button", name="Log out").click()

    login(page, chair)
    page.goto(f"/mdt/{meeting.pk}/")
    page.get_by_role("button", name="Move down Maya Patel").click()
    expect(page.locator(".mdt-list__item").first).to_contain_text("Leo")
    assert_no_serious_axe_violations(page, "meeting-list")
    screenshot("meeting-list")

    page.get_by_role("link", name="Open the shared screen").click()
    expect(page.locator(".severity-chart")).to_have_count(2)
    expect(page.get_by_text("Step up to rituximab?")).to_be_visible()
    assert_no_serious_axe_violations(page, "shared-screen")
    screenshot("shared-screen")

    page.goto(f"/mdt/items/{meeting.items.get(patient=maya).pk}/")
    page.get_by_label("Decision, in words").fill("Start rituximab; repeat MRI in three months.")
    page.get_by_label("Dr Helen Marsh").first.check()
    page.get_by_label("The named nurse tells the family").check()
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    page.get_by_label("Action 1 (optional)").fill("Prescribe rituximab")
    page.get_by_label("Action 1: owner").select_option(str(chair.pk))
    page.get_by_label("Action 1: due").fill(due)
    page.get_by_label("Action 2 (optional)").fill("Request MRI brain")
    page.get_by_label("Action 2: owner").select_option(str(nurse.pk))
    page.get_by_label("Action 2: due").fill(due)
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome for Maya Patel recorded")

    page.goto("/tasks/")
    expect(page.get_by_role("link", name="MDT action for Maya Patel: Prescribe rituximab")).to_be_visible()
    page.goto(f"/mdt/{meeting.pk}/screen/")
    expect(page.locator(".mdt-outcome__decision")).to_contain_text("Start rituximab")
    assert_no_serious_axe_violations(page, "shared-screen-with-outcome")
    screenshot("shared-screen-with-outcome")

    # The chair tells the family: the letter and the family wording, released.
    wording = "The team agreed Maya should start a medicine called rituximab. Your nurse will call you."
    page.goto(f"/mdt/items/{meeting.items.get(patient=maya).pk}/")
    page.get_by_label("What was decided, in words for the family").fill(wording)
    page.get_by_role("button", name="Prepare the letter").click(timeout=30_000)  # renders the PDF
    expect(page.get_by_text("Not released: the family cannot see it")).to_be_visible()
    page.get_by_role("button", name="Release version 1 to the family").click()
    expect(page.get_by_role("status")).to_contain_text("on the family's portal")
    page.get_by_role("button", name="Log out").click()

    login(page, family, path="/portal/login/")
    page.goto(f"/portal/children/{maya.pk}/")
    expect(page.locator("#team-decisions")).to_contain_text(wording)
    page.goto(f"/portal/children/{maya.pk}/documents/")
    expect(page.get_by_role("link", name=re.compile("Team meeting outcome"))).to_be_visible()
    screenshot("family-documents-with-outcome-letter")
