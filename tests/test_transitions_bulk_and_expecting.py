"""carecoord.transitions: the set-based move (move_many), the caller's expected state narrowing the
service's own (expecting), and a machine's own wording for an illegal move."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.scheduling import services as scheduling
from apps.scheduling.models import Appointment
from apps.tasks import services as tasks
from apps.tasks.models import Task, TaskEvent
from carecoord.errors import ApplicationError
from carecoord.transitions import Transitions, expecting

from .factories import PatientFactory, StaffFactory


def test_expecting_narrows_the_services_states_to_the_one_the_caller_saw():
    assert expecting("submitted", None) == {"submitted"}
    assert expecting(("booked", "confirmed"), "booked") == {"booked"}
    assert expecting(("booked", "confirmed"), "cancelled") == frozenset()  # can never hold: stale


def test_an_empty_expectation_is_always_stale():
    machine = Transitions("thing", {"a": {"b"}})
    with pytest.raises(ApplicationError) as refused:
        machine.check("a", "b", expected=frozenset())
    assert refused.value.code == "stale"


def test_a_machine_can_word_its_illegal_moves_itself():
    plain = Transitions("thing", {"a": set()})
    worded = Transitions(
        "thing", {"a": set()}, illegal="This {name} is {current}; it cannot be marked {target}."
    )
    for machine, message in [
        (plain, "A thing that is a cannot be b."),
        (worded, "This thing is a; it cannot be marked b."),
    ]:
        with pytest.raises(ApplicationError) as refused:
            machine.check("a", "b")
        assert (refused.value.code, refused.value.message) == ("illegal_transition", message)


@pytest.fixture
def nurse(db):
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])


def test_move_many_moves_only_the_rows_the_table_allows_and_writes_their_events(nurse):
    nursing = Team.objects.get(code="nursing")
    rows = [tasks.task_open(title=f"T{n}", source="manual", team=nursing) for n in range(3)]
    tasks.task_cancel(actor=nurse, task=rows[0], reason="Not needed")
    moved = tasks.TASK.move_many(
        Task.objects.filter(pk__in=[r.pk for r in rows]), "done", actor=nurse, note="Batch"
    )
    assert moved == [rows[1].pk, rows[2].pk]
    assert dict(Task.objects.values_list("pk", "status")) == {
        rows[0].pk: "cancelled",
        rows[1].pk: "done",
        rows[2].pk: "done",
    }
    assert list(
        TaskEvent.objects.filter(to_status="done").values_list("task", "from_status", "actor", "note")
    ) == [
        (rows[1].pk, "open", nurse.pk, "Batch"),
        (rows[2].pk, "open", nurse.pk, "Batch"),
    ]
    assert tasks.TASK.move_many(Task.objects.filter(pk=rows[0].pk), "done", actor=nurse) == []


def test_move_many_keeps_a_history_row_with_the_actor_for_a_model_with_history(nurse):
    child = PatientFactory(named_nurse=nurse)
    start = timezone.now() + datetime.timedelta(days=5)
    appointment = scheduling.appointment_book(
        actor=nurse, patient=child, kind="mri", starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    machine = Transitions("appointment", scheduling.APPOINTMENT.table)  # no event row: history only
    machine.move_many(
        Appointment.objects.filter(pk=appointment.pk), "cancelled", actor=nurse, cancel_reason="Ward closed"
    )
    latest = appointment.history.order_by("-history_id").first()
    assert (latest.status, latest.cancel_reason, latest.history_user) == ("cancelled", "Ward closed", nurse)
