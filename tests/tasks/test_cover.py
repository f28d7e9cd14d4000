"""HAZ-14: staff record absence; while the named nurse is away, family messages, symptom reports and tasks
reach the Nursing queue, colleagues on her team can see her children, and the family sees no change."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.absence import absence_record, absence_withdraw, covering_team, is_absent
from apps.accounts.models import StaffAbsence, StaffProfile
from apps.messaging import services as messaging
from apps.notifications.models import Notification
from apps.pathways.services import symptom_report_submit
from apps.patients import access
from apps.tasks.cover import tasks_hand_over_absent
from apps.tasks.models import Task
from apps.tasks.services import task_open

from ..factories import StaffFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = datetime.date(2026, 3, 9)
SYMPTOMS = {
    "unsteady": "a_lot",
    "jerky_movements": "no",
    "eye_movements": "a_little",
    "sleep": "no",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "no",
}


@pytest.fixture(autouse=True)
def monday(cast):
    # The cast's care-team membership starts 30 days before the real today: keep it current.
    cast.member_a.start_date = datetime.date(2025, 1, 1)
    cast.member_a.save(update_fields=["start_date"])
    with time_machine.travel(datetime.datetime.combine(MONDAY, datetime.time(10), tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def colleague(cast):
    """Another nurse specialist on the Nursing team, not on child A's care team."""
    return StaffFactory(
        full_name="Cara Cover", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def away(cast):
    """Nurse A is on leave this week, recorded by herself."""
    return absence_record(
        actor=cast.nurse_a, user=cast.nurse_a, starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=4)
    )


def test_staff_record_their_own_absence_and_an_administrator_records_anyones(cast, colleague):
    mine = absence_record(actor=cast.nurse_a, user=cast.nurse_a, starts_on=MONDAY, ends_on=MONDAY)
    assert is_absent(cast.nurse_a) and mine.recorded_by == cast.nurse_a
    theirs = absence_record(
        actor=cast.admin,
        user=colleague,
        starts_on=MONDAY,
        ends_on=MONDAY,
        reason=StaffAbsence.Reason.SICKNESS,
    )
    assert theirs.recorded_by == cast.admin
    with pytest.raises(PermissionDenied):
        absence_record(actor=colleague, user=cast.nurse_a, starts_on=MONDAY, ends_on=MONDAY)
    with pytest.raises(ValidationError) as refused:
        absence_record(
            actor=cast.nurse_a,
            user=cast.nurse_a,
            starts_on=MONDAY,
            ends_on=MONDAY - datetime.timedelta(days=1),
        )
    assert "ends_on" in refused.value.message_dict
    absence_withdraw(actor=cast.nurse_a, absence=mine)
    assert not is_absent(cast.nurse_a)
    assert is_absent(colleague)
    assert not is_absent(colleague, MONDAY + datetime.timedelta(days=1))


def test_a_task_for_an_absent_nurse_goes_to_the_nursing_queue_saying_why(cast, away):
    task = task_open(
        title="Call the family", source=Task.Source.MANUAL, assignee=cast.nurse_a, patient=cast.child_a
    )
    assert (task.assignee, task.team.code) == (None, "nursing")
    assert "Nina Nurse is away until 13 Mar 2026, so this went to the Nursing queue." in task.detail
    assert not Notification.objects.filter(recipient=cast.nurse_a, kind="task_assigned").exists()


def test_a_symptom_report_reaches_the_nursing_queue_and_covering_colleagues_see_the_child(
    cast, away, colleague
):
    symptom_report_submit(actor=cast.family_a, patient=cast.child_a, **SYMPTOMS)
    task = Task.objects.get(source=Task.Source.SYMPTOM_REPORT)
    assert (task.assignee, task.team.code, task.priority) == (None, "nursing", Task.Priority.URGENT)
    assert access.visible_patients(colleague).filter(pk=cast.child_a.pk).exists()
    assert not access.is_break_glass_access(colleague, cast.child_a)
    assert access.access_bases(colleague, [cast.child_a.pk]) == {cast.child_a.pk: access.COVER}


def test_a_family_message_reaches_the_nursing_team_and_the_family_sees_no_change(
    cast, away, colleague, client_for
):
    thread = messaging.thread_start(
        actor=cast.family_a, patient=cast.child_a, subject="Wobbly", body="Falling over"
    )
    told = set(Notification.objects.filter(kind="message").values_list("recipient", flat=True))
    assert colleague.pk in told
    page = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/messages/{thread.pk}/")
    assert page.status_code == 200
    assert "away" not in page.content.decode().lower() and "Nursing queue" not in page.content.decode()


def test_cover_ends_when_the_nurse_is_back(cast, away, colleague):
    absence_withdraw(actor=cast.nurse_a, absence=away)
    assert not access.visible_patients(colleague).filter(pk=cast.child_a.pk).exists()
    task = task_open(
        title="Call the family", source=Task.Source.MANUAL, assignee=cast.nurse_a, patient=cast.child_a
    )
    assert task.assignee == cast.nurse_a


def test_cover_is_only_for_the_absent_nurses_own_team(cast, away):
    outsider = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["therapies"])
    assert not access.visible_patients(outsider).filter(pk=cast.child_a.pk).exists()


def test_her_open_tasks_are_handed_to_the_nursing_queue_once(cast, colleague):
    task = task_open(
        title="Chase the MRI", source=Task.Source.MANUAL, assignee=cast.nurse_a, patient=cast.child_a
    )
    absence_record(actor=cast.nurse_a, user=cast.nurse_a, starts_on=MONDAY, ends_on=MONDAY)
    assert tasks_hand_over_absent() == 1
    assert tasks_hand_over_absent() == 0
    task.refresh_from_db()
    assert (task.assignee, task.team.code, task.status) == (None, "nursing", Task.Status.OPEN)
    assert "Handed over: Nina Nurse is away until 09 Mar 2026" in task.comments.get().body


def test_a_task_for_someone_no_longer_active_goes_to_their_team(cast, colleague):
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])
    task = task_open(title="Acknowledge", source=Task.Source.MANUAL, assignee=colleague)
    assert (task.assignee, task.team, covering_team(colleague)) == (None, covering_team(colleague), task.team)
    assert "Cara Cover is no longer active" in task.detail


def test_staff_record_and_withdraw_their_time_away_on_their_own_page(cast, client_for):
    client = client_for(cast.nurse_a)
    response = client.post(
        "/account/absence/",
        {"starts_on": "2026-03-09", "ends_on": "2026-03-13", "reason": "leave"},
        follow=True,
    )
    assert "Your time away is recorded." in response.content.decode()
    absence = StaffAbsence.objects.get(user=cast.nurse_a)
    assert is_absent(cast.nurse_a)
    bad = client.post(
        "/account/absence/", {"starts_on": "2026-03-09", "ends_on": "2026-03-01", "reason": "leave"}
    )
    assert bad.status_code == 400 and "cannot be before the first" in bad.content.decode()
    client.post(f"/account/absence/{absence.pk}/withdraw/")
    assert not is_absent(cast.nurse_a)


def test_families_and_other_staff_cannot_use_someone_elses_absence(cast, client_for, colleague, away):
    assert client_for(cast.family_a).get("/account/absence/").status_code == 404
    assert client_for(colleague).post(f"/account/absence/{away.pk}/withdraw/").status_code == 404
    assert is_absent(cast.nurse_a)


def test_the_covering_nurses_caseload_shows_the_child_and_says_who_is_away(cast, away, colleague, client_for):
    page = client_for(colleague).get("/caseload/").content.decode()
    assert f"{cast.child_a.family_name.upper()}, Alice" in page
    assert "Named nurse Nina Nurse is away until 13 Mar 2026: the Nursing team is covering" in page
