"""Pages stay whole with real data: a child registered with a 100-character unbroken given name must
not push any column or card out of its box on the caseload, the pathway or the task pages, on a
1366px desktop or a 768px ward tablet."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.patients.models import CareTeamMember, Patient
from apps.tasks.models import Task
from apps.tasks.services import task_open
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import CareTeamMemberFactory, PatientFactory, StaffFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LONG_NAME = "Maximilianus" * 8 + "Abcd"  # 100 characters, no break opportunity
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "tablet": {"width": 768, "height": 1024}}

# Every visible element whose content is wider than its own box (and that does not scroll on
# purpose), or that sticks out of the viewport. Returns short descriptions, for the message.
OVERFLOWS = """() => {
  const out = [];
  const limit = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('main *, header *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.position === 'absolute' || style.position === 'fixed') continue;  // visually-hidden text
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    const name = el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '');
    const svg = el instanceof SVGElement;  // no scroll box: only its bounds count
    if (!svg && !scrolls && el.scrollWidth > el.clientWidth + 1 && style.display !== 'inline') {
      out.push(`${name} content ${el.scrollWidth}px in a ${el.clientWidth}px box`);
    }
    if (box.right > limit + 1) out.push(`${name} ends at ${Math.round(box.right)}px, past ${limit}px`);
  }
  return out.slice(0, 10);
}"""


def _assert_whole(page: Page, screenshot, step: str) -> None:
    for size, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        problems = page.evaluate(OVERFLOWS)
        assert_no_serious_axe_violations(page, f"{step} at {viewport['width']}px")
        screenshot(f"{step}-{size}")
        assert problems == [], f"{step} at {viewport['width']}px: {problems}"
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= viewport["width"], f"{step} scrolls sideways at {viewport['width']}px"


def test_a_hundred_character_name_keeps_the_caseload_pathway_and_tasks_whole(
    page: Page, login, screenshot, live_server
):
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    for given in ("Maya", "Oscar"):
        CareTeamMemberFactory(patient=PatientFactory(given_name=given, named_nurse=nurse), user=nurse)
    login(page, nurse)

    # Registered through the real form, so the length limit is the one a nurse meets.
    page.goto("/patients/new/")
    page.get_by_label("Given name", exact=True).fill(LONG_NAME)
    page.get_by_label("Family name", exact=True).fill("Longname")
    page.get_by_label("Date of birth").fill("2024-05-01")
    page.get_by_label("Hospital number").fill("LONG0001")
    with page.expect_navigation():
        page.get_by_role("button", name="Register child").click()
    child = Patient.objects.get(hospital_number="LONG0001")
    assert child.given_name == LONG_NAME
    Patient.objects.filter(pk=child.pk).update(named_nurse=nurse)
    CareTeamMember.objects.get_or_create(
        patient=child, user=nurse, defaults={"role": StaffProfile.Role.NURSE_SPECIALIST}
    )
    task_open(
        title=f"Symptoms returning: {child.full_name} – family report, call them",
        source=Task.Source.SYMPTOM_REPORT,
        assignee=nurse,
        patient=child,
        due_on=timezone.localdate(),
        priority=Task.Priority.URGENT,
    )

    page.goto("/caseload/")
    expect(page.get_by_role("link", name=f"LONGNAME, {LONG_NAME}")).to_be_visible()
    _assert_whole(page, screenshot, "caseload")

    page.goto(f"/patients/{child.pk}/pathway/")
    _assert_whole(page, screenshot, "pathway")

    page.goto("/tasks/")
    expect(page.locator("tbody tr").first).to_contain_text("Symptoms returning")
    _assert_whole(page, screenshot, "tasks")
