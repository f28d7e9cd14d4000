"""Response targets with frozen time: a family message unanswered for 8 working hours gives the Nursing
queue one urgent task and flags the thread; nights, weekends and bank holidays do not count, a second
run does nothing, and a staff reply clears the flag and completes the task.

8 working hours from 16:00 on a Friday: one hour on Friday, seven on Monday, so Monday 16:00.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Team
from apps.messaging import services
from apps.messaging.models import Thread
from apps.messaging.tasks import escalate_unanswered_messages
from apps.tasks.models import Task
from apps.workingtime.models import BankHoliday

from . import at, reply, start

# Friday 6 March 2026 (GMT); Monday 9 March is an ordinary Monday unless a test adds a holiday.
FRIDAY_4PM = at(2026, 3, 6, 16)
MONDAY_4PM = at(2026, 3, 9, 16)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(FRIDAY_4PM, tick=False)
    return time_machine


@pytest.fixture
def nursing(db):
    team, _ = Team.objects.get_or_create(code=Team.Code.NURSING, defaults={"name": "Nursing"})
    return team


@pytest.fixture
def people(clock, cast, nursing, settings):
    """The standing cast, created at Friday 16:00 (so the care team is current then)."""
    settings.MESSAGE_RESPONSE_WORKING_HOURS = 8
    return cast


@pytest.fixture
def waiting(people):
    """A family message sent at 16:00 on Friday."""
    return start(people.family_a, people.child_a, body="Alice is falling over again.")


def run_at(clock, moment: datetime.datetime) -> int:
    clock.move_to(moment, tick=False)
    return services.threads_escalate_unanswered()


def escalations():
    return Task.objects.filter(source=Task.Source.MESSAGE_ESCALATION)


def test_a_friday_afternoon_message_is_not_escalated_over_the_weekend(people, clock, waiting):
    for moment in (
        at(2026, 3, 6, 16, 59),  # Friday, before closing
        at(2026, 3, 6, 23, 0),  # Friday night
        at(2026, 3, 7, 12, 0),  # Saturday
        at(2026, 3, 8, 22, 0),  # Sunday night
        at(2026, 3, 9, 9, 0),  # Monday opening: 1 working hour so far
        at(2026, 3, 9, 15, 59),  # 7 h 59 min
    ):
        assert run_at(clock, moment) == 0, moment
    assert not escalations().exists()
    waiting.refresh_from_db()
    assert waiting.escalated_at is None


def test_it_escalates_at_monday_4pm_with_one_urgent_task_for_the_nursing_queue(
    people, clock, waiting, nursing
):
    assert run_at(clock, MONDAY_4PM) == 1

    [task] = escalations()
    assert (task.team, task.assignee, task.patient, task.priority, task.status) == (
        nursing,
        None,
        people.child_a,
        Task.Priority.URGENT,
        Task.Status.OPEN,
    )
    assert task.due_on == datetime.date(2026, 3, 9)
    assert task.link_url == f"/messages/{waiting.pk}/"
    assert "falling" not in task.title.lower()
    waiting.refresh_from_db()
    assert waiting.escalated_at == MONDAY_4PM  # the thread's flag on the caseload
    assert waiting.status == Thread.Status.NEEDS_REPLY


def test_the_beat_task_escalates_too(people, clock, waiting):
    clock.move_to(MONDAY_4PM, tick=False)
    assert escalate_unanswered_messages() == 1
    assert escalations().count() == 1


def test_a_bank_holiday_monday_moves_the_escalation_to_tuesday(people, clock, waiting):
    BankHoliday.objects.create(day=datetime.date(2026, 3, 9), name="A made-up bank holiday")

    assert run_at(clock, MONDAY_4PM) == 0
    assert run_at(clock, at(2026, 3, 10, 15, 59)) == 0
    assert not escalations().exists()
    assert run_at(clock, at(2026, 3, 10, 16, 0)) == 1
    assert escalations().count() == 1


def test_a_real_bank_holiday_in_summer_time(people, clock):
    # Friday 1 May 2026 16:00 BST; Monday 4 May is the early May bank holiday.
    BankHoliday.objects.create(day=datetime.date(2026, 5, 4), name="Early May bank holiday")
    clock.move_to(at(2026, 5, 1, 16), tick=False)
    start(people.family_a, people.child_a)
    assert run_at(clock, at(2026, 5, 4, 16)) == 0
    assert run_at(clock, at(2026, 5, 5, 15, 59)) == 0
    assert run_at(clock, at(2026, 5, 5, 16)) == 1


def test_two_runs_make_one_task(people, clock, waiting):
    assert run_at(clock, MONDAY_4PM) == 1
    assert run_at(clock, MONDAY_4PM) == 0
    assert run_at(clock, at(2026, 3, 10, 11)) == 0
    assert escalate_unanswered_messages() == 0
    assert escalations().count() == 1
    waiting.refresh_from_db()
    assert waiting.escalated_at == MONDAY_4PM  # not moved by later runs


def test_a_second_family_message_does_not_restart_the_clock(people, clock, waiting):
    clock.move_to(at(2026, 3, 9, 10), tick=False)
    reply(people.family_a, waiting, "Any news? She is worse.")
    assert run_at(clock, MONDAY_4PM) == 1


def test_a_staff_reply_before_the_deadline_means_no_escalation(people, clock, waiting):
    clock.move_to(at(2026, 3, 9, 11), tick=False)
    reply(people.nurse_a, waiting)
    waiting.refresh_from_db()
    assert (waiting.awaiting_reply_since, waiting.status) == (None, Thread.Status.HANDLED)

    assert run_at(clock, MONDAY_4PM) == 0
    assert run_at(clock, at(2026, 3, 11, 12)) == 0
    assert not escalations().exists()


def test_a_staff_reply_after_escalation_clears_the_flag_and_completes_the_task(people, clock, waiting):
    run_at(clock, MONDAY_4PM)
    clock.move_to(at(2026, 3, 9, 16, 20), tick=False)
    reply(people.nurse_a, waiting)

    waiting.refresh_from_db()
    assert (waiting.escalated_at, waiting.awaiting_reply_since, waiting.status) == (
        None,
        None,
        Thread.Status.HANDLED,
    )
    task = escalations().get()
    assert (task.status, task.completed_by) == (Task.Status.DONE, people.nurse_a)
    assert task.completed_at == at(2026, 3, 9, 16, 20)
    assert run_at(clock, at(2026, 3, 12, 12)) == 0


def test_a_family_message_after_a_reply_can_escalate_again_with_a_new_task(people, clock, waiting):
    run_at(clock, MONDAY_4PM)
    clock.move_to(at(2026, 3, 9, 16, 20), tick=False)
    reply(people.nurse_a, waiting)

    # Tuesday 10:00: 7 hours on Tuesday and 1 on Wednesday, so due at Wednesday 10:00.
    clock.move_to(at(2026, 3, 10, 10), tick=False)
    reply(people.family_a, waiting, "It has started again.")
    assert run_at(clock, at(2026, 3, 11, 9, 59)) == 0
    assert run_at(clock, at(2026, 3, 11, 10)) == 1
    assert run_at(clock, at(2026, 3, 11, 10)) == 0

    first, second = escalations().order_by("created_at")
    assert (first.status, second.status) == (Task.Status.DONE, Task.Status.OPEN)
    assert first.source_key != second.source_key
    waiting.refresh_from_db()
    assert waiting.escalated_at == at(2026, 3, 11, 10)


def test_marking_a_thread_handled_clears_the_escalation(people, clock, waiting):
    run_at(clock, MONDAY_4PM)
    services.thread_mark(actor=people.nurse_a, thread=waiting, status=Thread.Status.HANDLED)

    waiting.refresh_from_db()
    assert (waiting.escalated_at, waiting.awaiting_reply_since) == (None, None)
    assert escalations().get().status == Task.Status.DONE
    assert run_at(clock, at(2026, 3, 12, 12)) == 0


def test_only_the_threads_that_are_due_escalate(people, clock, waiting):
    clock.move_to(at(2026, 3, 9, 12), tick=False)
    later = start(people.family_a, people.child_a, subject="Sleep")
    answered = start(people.family_a, people.child_a, subject="Appointment")
    reply(people.nurse_a, answered)
    start(people.nurse_a, people.child_a, kind=Thread.Kind.STAFF_ONLY, subject="MDT discussion")

    assert run_at(clock, MONDAY_4PM) == 1
    assert escalations().get().link_url == f"/messages/{waiting.pk}/"
    # Monday 12:00 + 8 working hours: 5 on Monday, 3 on Tuesday.
    assert run_at(clock, at(2026, 3, 10, 12)) == 1
    later.refresh_from_db()
    assert later.escalated_at == at(2026, 3, 10, 12)
    assert escalations().count() == 2


def test_the_response_target_is_configurable(people, clock, waiting, settings):
    settings.MESSAGE_RESPONSE_WORKING_HOURS = 2
    assert run_at(clock, at(2026, 3, 9, 9, 59)) == 0
    assert run_at(clock, at(2026, 3, 9, 10)) == 1


def test_the_run_takes_an_explicit_now(people, waiting):
    assert services.threads_escalate_unanswered(now=at(2026, 3, 9, 15)) == 0
    assert services.threads_escalate_unanswered(now=MONDAY_4PM) == 1
    waiting.refresh_from_db()
    assert waiting.escalated_at == MONDAY_4PM
    assert timezone.now() == FRIDAY_4PM  # the frozen clock did not move


def _run_queries(clock, moment) -> int:
    clock.move_to(moment, tick=False)
    with CaptureQueriesContext(connection) as captured:
        services.threads_escalate_unanswered()
    return len(captured.captured_queries)


def test_a_run_costs_the_same_however_many_threads_are_waiting_but_not_due(people, clock, waiting):
    one = _run_queries(clock, at(2026, 3, 9, 12))
    for n in range(5):
        clock.move_to(at(2026, 3, 6, 16, n), tick=False)
        start(people.family_a, people.child_a, subject=f"Question {n}")
    assert _run_queries(clock, at(2026, 3, 9, 12)) == one
    assert not escalations().exists()
