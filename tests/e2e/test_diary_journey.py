"""The diary through a real browser on a phone: a parent fills in today's diary in a few taps (radio
groups, big targets), the fever opens a watch, and the named nurse finds "watch" on the caseload, the
compact strip over weeks, and the urgent task the worse entry gave her."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile, User
from apps.diary.models import DiaryEntry
from apps.tasks.models import Task
from apps.watch.models import WatchPeriod
from apps.watch.services import watch_today
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
QUIET = {
    "sleep_hours": 11,
    "night_waking": "none",
    "mood": "good",
    "rage_episodes": 0,
    "unsteadiness": 0,
    "jerks": 0,
    "eye_movements": 0,
    "illness": "none",
    "immunisation": False,
}


def _log_in(page: Page, login, user: User, path: str = "/login/") -> None:
    login(page, user, path=path)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_parent_fills_in_the_diary_on_a_phone_and_the_nurse_sees_the_watch(
    page: Page, login, screenshot, live_server
):
    # The live server's database is flushed between browser tests: put the demo configuration back.
    importlib.import_module("apps.watch.migrations.0002_demo_configuration").seed(django_apps, None)
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    ben = PatientFactory(given_name="Ben", family_name="Okafor", named_nurse=nurse)
    CareTeamMemberFactory(patient=ben, user=nurse)
    parent = GuardianFactory(patient=ben, user=FamilyFactory(full_name="Ada Okafor")).user
    today = watch_today()
    for n in range(1, 35):  # five quiet weeks, with a wobbly spell, so the strip has something to show
        wobbly = 10 <= n <= 13
        DiaryEntry.objects.create(
            patient=ben,
            day=today - datetime.timedelta(days=n),
            recorded_by=parent,
            **{**QUIET, "unsteadiness": 1 if wobbly else 0, "mood": "mixed" if n % 6 == 0 else "good"},
        )

    # 1. On a phone, the parent goes from Ben's page to today's diary.
    page.set_viewport_size(PHONE)
    _log_in(page, login, parent, path="/portal/login/")
    page.get_by_role("link", name="Today's diary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ben's diary for today")
    expect(page.locator("select")).to_have_count(0)  # radio groups only
    expect(page.get_by_role("group")).to_have_count(9)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the diary is {width}px wide on a 390px phone"
    assert_no_serious_axe_violations(page, "diary form on a phone")
    screenshot("1-diary-phone")

    # 2. Nine taps: a fever today, and jerks marked.
    answers = {
        "Is Ben unsteady?": "Mild",
        "Does Ben have jerks?": "Marked",
        "Has Ben had unusual eye movements?": "None",
        "How many hours did Ben sleep last night?": "9",
        "Did Ben wake in the night?": "Woke more than once",
        "How was Ben's mood today?": "Very upset or cross",
        "How many rages today?": "2",
        "Is Ben unwell or feverish today?": "Fever (high temperature)",
        "Did Ben have an immunisation (jab) today?": "No",
    }
    for question, answer in answers.items():
        choice = page.get_by_role("group", name=question).get_by_label(answer, exact=True)
        box = choice.bounding_box()
        assert box is not None and box["height"] >= 20  # the input; its whole labelled box is the target
        choice.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save today's diary").click()
    expect(page.get_by_role("status")).to_contain_text("Today's diary is saved")
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()  # same day: it can be changed
    expect(page.get_by_role("region", name="Previous days")).to_contain_text("Unsteadiness mild")
    assert_no_serious_axe_violations(page, "diary saved on a phone")
    screenshot("2-diary-saved-phone")
    entry = DiaryEntry.objects.get(patient=ben, day=today)
    assert (entry.jerks, entry.illness) == (2, "fever")
    watch = WatchPeriod.objects.get(patient=ben, status="open")
    assert watch.trigger.code == "fever"
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()

    # 3. The nurse: "watch" on the caseload, the strip over weeks, and the urgent task.
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, login, nurse)
    page.goto("/caseload/")
    flag = page.get_by_role("link", name="Watch until")
    expect(flag).to_contain_text("Family reported a fever")
    flag.click()
    expect(page.get_by_role("heading", name="Family diary over")).to_be_visible()
    strip = page.get_by_role("img", name=re.compile(r"^Family diary, \d+ days$"))
    expect(strip).to_be_visible()
    expect(page.get_by_role("region", name="Watch period")).to_contain_text("Family reported a fever")
    expect(page.locator(f"#day-{today.isoformat()}")).to_contain_text("Marked")
    assert_no_serious_axe_violations(page, "staff diary strip")
    screenshot("3-staff-strip")
    page.get_by_role("link", name="Watch history").click()
    expect(page.get_by_role("region", name="History")).to_contain_text("Opened")
    assert_no_serious_axe_violations(page, "staff watch page")
    screenshot("4-staff-watch")
    task = Task.objects.get(patient=ben, source=Task.Source.DIARY_WORSE)
    assert task.priority == Task.Priority.URGENT and task.assignee == nurse
    page.goto("/tasks/")
    expect(page.get_by_role("row").filter(has_text="Worse during watch: Ben Okafor")).to_contain_text(
        "Urgent"
    )
