"""Task status changes go through one table (services.TASK): every change writes one TaskEvent (who,
when, from, to, why), a refused one writes none, batches stay set-based, and pages offer what the table
allows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import StaffProfile, Team
from apps.tasks import selectors, services
from apps.tasks.models import Task, TaskEvent
from carecoord.errors import ApplicationError

from ..factories import StaffFactory

Status = Task.Status


@pytest.fixture
def teammate(db):
    return StaffFactory(
        full_name="Tom Teammate", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def nursing(nurse):
    return Team.objects.get(code="nursing")


def queue_task(team, **fields) -> Task:
    return services.task_open(
        team=team, title=fields.pop("title", "Phone the family"), source="manual", **fields
    )


def events(task: Task) -> list[tuple[str, str, int | None, str]]:
    return list(TaskEvent.objects.filter(task=task).values_list("from_status", "to_status", "actor", "note"))


def test_the_task_table_is_the_one_specified():
    assert services.TASK.table == {
        Status.OPEN: frozenset({Status.IN_PROGRESS, Status.DONE, Status.CANCELLED}),
        Status.IN_PROGRESS: frozenset({Status.OPEN, Status.DONE, Status.CANCELLED}),
        Status.DONE: frozenset(),
        Status.CANCELLED: frozenset(),
    }


def test_claim_pass_back_start_and_complete_each_write_one_event(nurse, teammate, nursing):
    task = queue_task(nursing)
    assert events(task) == []  # opening is not a change of status
    services.task_claim(actor=nurse, task=task)
    services.tasks_reassign(actor=nurse, tasks=[task])
    services.task_start(actor=teammate, task=task)
    services.task_start(actor=teammate, task=task)  # already in progress: nothing to record
    services.task_complete(actor=teammate, task=task, note="Spoke to dad")
    services.task_complete(actor=teammate, task=task, note="Again")  # already done: nothing either
    assert events(task) == [
        (Status.OPEN, Status.IN_PROGRESS, nurse.pk, "Claimed"),
        (Status.IN_PROGRESS, Status.OPEN, nurse.pk, "Passed back to the queue"),
        (Status.OPEN, Status.IN_PROGRESS, teammate.pk, ""),
        (Status.IN_PROGRESS, Status.DONE, teammate.pk, "Spoke to dad"),
    ]


def test_cancelling_writes_an_event_with_the_reason(nurse, nursing):
    task = queue_task(nursing)
    services.task_cancel(actor=nurse, task=task, reason="Duplicate of the MRI task")
    assert events(task) == [(Status.OPEN, Status.CANCELLED, nurse.pk, "Duplicate of the MRI task")]


def test_a_refused_change_writes_no_event(nurse, teammate, nursing):
    taken = queue_task(nursing)
    services.task_claim(actor=nurse, task=taken)
    cancelled = queue_task(nursing)
    services.task_cancel(actor=nurse, task=cancelled, reason="Not needed")
    before = TaskEvent.objects.count()
    refusals = [
        lambda: services.task_claim(actor=teammate, task=Task.objects.get(pk=taken.pk)),
        lambda: services.task_complete(actor=nurse, task=cancelled),
        lambda: services.task_cancel(actor=nurse, task=cancelled, reason="Twice"),
        lambda: services.task_start(actor=nurse, task=cancelled),
    ]
    for refuse in refusals:
        with pytest.raises(ApplicationError) as refused:
            refuse()
        assert refused.value.code == "stale"
    assert TaskEvent.objects.count() == before


def test_starting_a_closed_task_says_where_it_stands(nurse, nursing):
    task = queue_task(nursing)
    services.task_complete(actor=nurse, task=task)
    with pytest.raises(ApplicationError) as refused:
        services.task_start(actor=nurse, task=task)
    assert refused.value.message == "This task is now done; someone changed it a moment ago."


def test_closing_generated_tasks_records_who_closed_them(nurse, nursing):
    task = queue_task(nursing, source_key="referral:9:triage")
    assert services.tasks_complete_for_sources(source_keys=["referral:9:triage"]) == 1
    assert events(task) == [(Status.OPEN, Status.DONE, None, "")]  # closed by the system


@pytest.mark.parametrize("size", [2, 30])
def test_bulk_complete_is_set_based_with_one_event_per_task(nurse, nursing, size):
    tasks = [queue_task(nursing, title=f"Task {n}") for n in range(size)]
    services.task_cancel(actor=nurse, task=tasks[0], reason="Not needed")
    with CaptureQueriesContext(connection) as captured:
        done = services.tasks_bulk_complete(actor=nurse, tasks=tasks)
    assert done == size - 1
    # teams, savepoint pair, lock the rows, insert the events, update the rows: the same for 2 or 30
    assert len(captured.captured_queries) <= 7
    assert TaskEvent.objects.filter(to_status=Status.DONE).count() == size - 1
    assert set(Task.objects.exclude(pk=tasks[0].pk).values_list("status", "completed_by")) == {
        (Status.DONE, nurse.pk)
    }


def test_passing_to_a_person_changes_no_status_and_writes_no_event(nurse, teammate, nursing):
    task = queue_task(nursing)
    services.tasks_reassign(actor=nurse, tasks=[task], assignee=teammate)
    task.refresh_from_db()
    assert (task.assignee, task.status) == (teammate, Status.OPEN)
    assert events(task) == []


# --- Pages offer what the table allows ------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "offered"),
    [
        ("queue", {"claim", "cancel"}),
        ("claimed", {"complete", "cancel"}),
        ("done", set()),
        ("cancelled", set()),
    ],
)
def test_the_task_page_offers_what_the_table_allows(client, nurse, nursing, setup, offered):
    task = queue_task(nursing)
    if setup == "claimed":
        services.task_claim(actor=nurse, task=task)
    elif setup == "done":
        services.task_complete(actor=nurse, task=task)
    elif setup == "cancelled":
        services.task_cancel(actor=nurse, task=task, reason="Not needed")
    task.refresh_from_db()
    assert selectors.task_actions(task) == offered
    client.force_login(nurse)
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert {a for a in ("claim", "complete", "cancel") if f"/tasks/{task.pk}/{a}/" in html} == offered
