"""HAZ-03 and HAZ-07 with frozen time: an unreviewed symptom report escalates to the Nursing queue and the
named consultant after SYMPTOM_REVIEW_WORKING_HOURS; an abnormal result escalates after 1 working day;
results go to the requester's team while the requester is away."""

import datetime
import zoneinfo

import pytest

from apps.accounts.absence import absence_record
from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.services.symptom_escalation import symptom_reports_escalate
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, StaffFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
SYMPTOMS = {
    "unsteady": "a_lot",
    "jerky_movements": "no",
    "eye_movements": "a_little",
    "sleep": "no",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "no",
}


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=LONDON)  # Fri 6, Mon 9, Tue 10 March 2026


@pytest.fixture
def consultant(cast):
    lead = StaffFactory(full_name="Dr Lead", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(
        patient=cast.child_a,
        user=lead,
        role=StaffProfile.Role.CONSULTANT,
        is_lead=True,
        start_date=datetime.date(2025, 1, 1),
    )
    return lead


@pytest.fixture
def reported(cast, consultant, time_machine):
    """A family report sent at 15:00 on Friday: 2 working hours on Friday, 2 more by Monday 11:00."""
    time_machine.move_to(at(6, 15), tick=False)
    return services.symptom_report_submit(actor=cast.family_a, patient=cast.child_a, **SYMPTOMS)


def escalation_tasks():
    return Task.objects.filter(source_key__contains=":escalation:")


def test_an_unreviewed_report_escalates_after_4_working_hours_to_nursing_and_the_named_consultant_once(
    cast, consultant, reported, time_machine
):
    time_machine.move_to(at(9, 10, 59), tick=False)
    assert symptom_reports_escalate() == 0  # the weekend does not count
    time_machine.move_to(at(9, 11), tick=False)
    assert symptom_reports_escalate() == 1
    assert symptom_reports_escalate() == 0
    nursing = escalation_tasks().get(team__isnull=False)
    to_consultant = escalation_tasks().get(assignee__isnull=False)
    assert (nursing.team.code, nursing.priority) == ("nursing", Task.Priority.URGENT)
    assert (to_consultant.assignee, to_consultant.priority) == (consultant, Task.Priority.URGENT)
    assert "unsteady walking or balance (a lot)" in nursing.detail


def test_reviewing_the_report_closes_the_escalation_tasks(cast, consultant, reported, time_machine):
    time_machine.move_to(at(9, 12), tick=False)
    symptom_reports_escalate()
    services.symptom_report_review(actor=cast.nurse_a, report=reported)
    assert set(Task.objects.filter(source=Task.Source.SYMPTOM_REPORT).values_list("status", flat=True)) == {
        "done"
    }


def test_a_report_reviewed_in_time_never_escalates(cast, consultant, reported, time_machine, settings):
    settings.SYMPTOM_REVIEW_WORKING_HOURS = 1
    time_machine.move_to(at(6, 15, 30), tick=False)
    services.symptom_report_review(actor=cast.nurse_a, report=reported)
    time_machine.move_to(at(9, 12), tick=False)
    assert symptom_reports_escalate() == 0
    assert not escalation_tasks().exists()


def test_the_target_is_configurable(cast, consultant, reported, time_machine, settings):
    settings.SYMPTOM_REVIEW_WORKING_HOURS = 1
    time_machine.move_to(at(6, 16), tick=False)
    assert symptom_reports_escalate() == 1


# --- Results -------------------------------------------------------------------------------------


@pytest.fixture
def requester(cast):
    return StaffFactory(full_name="Dr Req", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"])


def _result(requester, patient, abnormal: bool):
    investigation = services.investigation_request(actor=requester, patient=patient, kind="mri_brain")
    return services.investigation_record_result(
        actor=requester, investigation=investigation, result_summary="See report", abnormal=abnormal
    )


def result_tasks():
    return Task.objects.filter(source=Task.Source.INVESTIGATION_RESULT)


def test_an_abnormal_result_escalates_after_one_working_day_and_a_normal_one_still_waits(
    cast, requester, time_machine
):
    time_machine.move_to(at(6, 15), tick=False)  # Friday afternoon
    abnormal = _result(requester, cast.child_a, abnormal=True)
    _result(requester, cast.child_b, abnormal=False)
    time_machine.move_to(at(9, 14, 59), tick=False)
    assert services.investigations_flag_unacknowledged() == 0  # the weekend does not count
    time_machine.move_to(at(9, 15), tick=False)
    assert services.investigations_flag_unacknowledged() == 1
    assert services.investigations_flag_unacknowledged() == 0
    task = result_tasks().get()
    assert (task.assignee, task.title) == (requester, "Acknowledge the abnormal MRI brain result")
    assert task.source_key == f"investigation:{abnormal.pk}:acknowledge"


def test_a_result_goes_to_the_requesters_team_while_they_are_away(cast, requester, time_machine):
    time_machine.move_to(at(2, 10), tick=False)
    _result(requester, cast.child_a, abnormal=False)
    time_machine.move_to(at(9, 10), tick=False)
    absence_record(
        actor=requester,
        user=requester,
        starts_on=datetime.date(2026, 3, 9),
        ends_on=datetime.date(2026, 3, 20),
    )
    assert services.investigations_flag_unacknowledged() == 1
    task = result_tasks().get()
    assert (task.assignee, task.team.code) == (None, "neurology")
    assert "Dr Req is away until 20 Mar 2026" in task.detail
