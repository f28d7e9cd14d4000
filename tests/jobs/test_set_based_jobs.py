"""The beat jobs at scale, with frozen time: each does its work once, a second run is a no-op, an idle
run costs the same few queries for 3 children as for 30, a busy run a constant number per batch, and two
runs at once on PostgreSQL create nothing twice.
"""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.messaging.services import threads_escalate_unanswered
from apps.notifications.models import Delivery, Notification
from apps.pathways.services import investigations_flag_unacknowledged
from apps.referrals.services import referrals_check_service_levels
from apps.scheduling.models import Reminder
from apps.scheduling.services import reminders_send_due
from apps.tasks.models import Task
from bench.job_world import build_world

# Thursday 10 December 2026, 10:00 (GMT): threads have waited since Monday, three working days.
NOW = timezone.make_aware(datetime.datetime(2026, 12, 10, 10, 0))

JOBS: dict[str, Callable[[], int]] = {
    "reminders": reminders_send_due,
    "escalation": threads_escalate_unanswered,
    "service levels": referrals_check_service_levels,
    "unacknowledged results": investigations_flag_unacknowledged,
}
PER_CHILD = {"reminders": 1, "escalation": 1, "service levels": 2, "unacknowledged results": 1}
IDLE_QUERIES = 4  # the figure to reach is 20; each job today needs 1-3
BUSY_QUERIES = 18  # per batch, whatever its size (a batch is 500 rows); 2 recompute the caseload scores


@pytest.fixture
def clock(time_machine, settings):
    settings.MESSAGE_RESPONSE_WORKING_HOURS = 8
    settings.RESULT_ACKNOWLEDGE_DAYS = 7
    time_machine.move_to(NOW, tick=False)
    return time_machine


def world(children: int) -> None:
    build_world(children, now=NOW)


@pytest.mark.parametrize("job", JOBS)
def test_each_job_does_its_work_once_and_a_second_run_is_a_no_op(db, clock, job):
    world(3)
    assert JOBS[job]() == 3 * PER_CHILD[job]
    before = (Task.objects.count(), Notification.objects.count(), Delivery.objects.count())
    assert JOBS[job]() == 0
    assert (Task.objects.count(), Notification.objects.count(), Delivery.objects.count()) == before


def test_reminders_reach_every_guardian_in_app_and_by_email(db, clock):
    world(3)
    reminders_send_due()
    assert Reminder.objects.filter(kind=Reminder.Kind.WEEK_BEFORE).count() == 3
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"Reminder: appointment in 3 days, Sunday 13 December, 10:00am"}
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 3


def test_unacknowledged_results_give_the_requester_a_task_and_an_email(db, clock):
    world(3)
    investigations_flag_unacknowledged()
    tasks = Task.objects.filter(source=Task.Source.INVESTIGATION_RESULT)
    assert tasks.count() == 3 and {t.assignee.email for t in tasks} == {"w-nurse@example.org"}
    assert Notification.objects.filter(kind="task_assigned").count() == 3
    assert Delivery.objects.filter(to_address="w-nurse@example.org").count() == 3  # HIGH priority emails


@pytest.mark.parametrize("children", [3, 30])
@pytest.mark.parametrize("job", JOBS)
def test_an_idle_run_costs_the_same_few_queries_for_3_or_30_children(
    db, clock, django_assert_max_num_queries, job, children
):
    world(children)
    JOBS[job]()
    with django_assert_max_num_queries(IDLE_QUERIES):
        assert JOBS[job]() == 0


@pytest.mark.parametrize("job", JOBS)
def test_a_busy_run_costs_the_same_queries_for_3_or_30_children(db, clock, job):
    build_world(1, now=NOW, prefix="Z")
    JOBS[job]()  # a first run's one-off costs (the Nursing queue made, caches filled)
    counts = []
    for prefix, children in (("A", 3), ("B", 30)):
        build_world(children, now=NOW, prefix=prefix)
        with CaptureQueriesContext(connection) as queries:
            assert JOBS[job]() == children * PER_CHILD[job]
        counts.append(len(queries))
    assert counts[0] == counts[1] <= BUSY_QUERIES


def test_a_busy_run_over_several_batches_costs_a_constant_number_per_batch(db, clock, monkeypatch):
    from apps.pathways.services import investigations

    monkeypatch.setattr(investigations, "OVERDUE_BATCH", 5)
    build_world(1, now=NOW, prefix="Z")
    investigations_flag_unacknowledged()  # a first run's one-off costs
    counts = []
    for prefix, children in (("A", 5), ("B", 10), ("C", 15)):
        build_world(children, now=NOW, prefix=prefix)
        with CaptureQueriesContext(connection) as queries:
            assert investigations_flag_unacknowledged() == children
        counts.append(len(queries))
    per_batch = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_batch <= BUSY_QUERIES


@pytest.mark.parametrize("job", ["reminders", "unacknowledged results", "escalation"])
def test_two_runs_at_once_create_nothing_twice(transactional_db, require_postgres, clock, job):
    world(30)
    barrier = threading.Barrier(2)
    done: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            done.append(JOBS[job]())
        finally:
            connection.close()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sum(done) == 30
    assert Reminder.objects.count() == (30 if job == "reminders" else 0)
    assert Task.objects.count() == (0 if job == "reminders" else 30)
    assert Notification.objects.count() == (0 if job == "escalation" else 30)
    assert Delivery.objects.count() == (0 if job == "escalation" else 30)
