"""Investigations: requested -> booked -> done -> resulted (or cancelled), acknowledged once,
and a beat job that escalates results left unacknowledged."""

import datetime
import itertools

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.notifications.models import Delivery, Notification
from apps.pathways import services
from apps.pathways.models import Investigation
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory

Status = Investigation.Status
Role = StaffProfile.Role
ALL_PAIRS = list(itertools.product(Status.values, repeat=2))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in services.INVESTIGATION_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in services.INVESTIGATION_TRANSITIONS[a]]
START = datetime.datetime(2025, 5, 1, 10, 0, tzinfo=datetime.UTC)


def _days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def consultant(db):
    return StaffFactory(role=Role.CONSULTANT)


@pytest.fixture
def nurse(db):
    return StaffFactory(role=Role.NURSE_SPECIALIST)


@pytest.fixture
def child(db):
    return PatientFactory()


def _request(actor, patient, kind=Investigation.Kind.MIBG, **kwargs):
    return services.investigation_request(actor=actor, patient=patient, kind=kind, **kwargs)


def _result(actor, investigation, **kwargs):
    kwargs.setdefault("result_summary", "No uptake.")
    kwargs.setdefault("abnormal", False)
    return services.investigation_record_result(actor=actor, investigation=investigation, **kwargs)


def _state(investigation):
    return Investigation.objects.filter(pk=investigation.pk).values().get()


def _move(actor, investigation, to):
    """Drive one single-step transition through its service (resulting is tested on its own)."""
    if to == Status.BOOKED:
        return services.investigation_book(actor=actor, investigation=investigation, booked_for=_days_ago(-3))
    if to == Status.DONE:
        return services.investigation_mark_done(
            actor=actor, investigation=investigation, done_on=_days_ago(1)
        )
    if to == Status.CANCELLED:
        return services.investigation_cancel(actor=actor, investigation=investigation, reason="duplicate")
    raise AssertionError(to)


# Targets reached by a single-step service; nothing moves an investigation back to requested.
STEP_TARGETS = (Status.BOOKED, Status.DONE, Status.CANCELLED)
ALLOWED_STEPS = [(a, b) for a, b in ALLOWED if b in STEP_TARGETS]
ILLEGAL_STEPS = [(a, b) for a, b in ILLEGAL if b in STEP_TARGETS]


def _at(actor, patient, status):
    """Test set-up: an investigation that has reached ``status`` through the services."""
    investigation = _request(actor, patient)
    path = {
        Status.REQUESTED: [],
        Status.BOOKED: [Status.BOOKED],
        Status.DONE: [Status.DONE],
        Status.RESULTED: [Status.DONE, "result"],
        Status.CANCELLED: [Status.CANCELLED],
    }[status]
    for step in path:
        investigation = (
            _result(actor, investigation) if step == "result" else _move(actor, investigation, step)
        )
    assert investigation.status == status
    return investigation


def test_the_lifecycle_requested_booked_done_resulted(nurse, consultant, child):
    investigation = _request(nurse, child, kind=Investigation.Kind.CAP_IMAGING, requested_on=_days_ago(20))
    assert (investigation.status, investigation.requested_by, investigation.requested_on) == (
        Status.REQUESTED,
        nurse,
        _days_ago(20),
    )
    investigation = services.investigation_book(
        actor=nurse, investigation=investigation, booked_for=_days_ago(5)
    )
    assert (investigation.status, investigation.booked_for) == (Status.BOOKED, _days_ago(5))
    investigation = services.investigation_mark_done(
        actor=nurse, investigation=investigation, done_on=_days_ago(5)
    )
    assert (investigation.status, investigation.done_on) == (Status.DONE, _days_ago(5))
    investigation = _result(
        consultant, investigation, result_summary=" Small left adrenal mass. ", abnormal=True
    )
    stored = Investigation.objects.get(pk=investigation.pk)
    assert stored.status == Status.RESULTED
    assert stored.result_summary == "Small left adrenal mass."
    assert stored.abnormal is True
    assert stored.resulted_at is not None
    assert stored.done_on == _days_ago(5)
    users = [h.history_user for h in stored.history.order_by("history_date", "history_id")]
    assert users == [nurse, nurse, nurse, consultant]


def test_a_booking_may_be_moved(nurse, child):
    investigation = _at(nurse, child, Status.BOOKED)
    investigation = services.investigation_book(
        actor=nurse, investigation=investigation, booked_for=_days_ago(-10)
    )
    assert (investigation.status, investigation.booked_for) == (Status.BOOKED, _days_ago(-10))


@pytest.mark.parametrize(
    ("from_status", "to_status"), ALLOWED_STEPS, ids=[f"{a}->{b}" for a, b in ALLOWED_STEPS]
)
def test_every_allowed_step_succeeds(nurse, child, from_status, to_status):
    investigation = _at(nurse, child, from_status)
    assert _move(nurse, investigation, to_status).status == to_status
    assert Investigation.objects.get(pk=investigation.pk).status == to_status


@pytest.mark.parametrize(
    ("from_status", "to_status"), ILLEGAL_STEPS, ids=[f"{a}->{b}" for a, b in ILLEGAL_STEPS]
)
def test_every_illegal_step_is_refused_and_changes_nothing(nurse, child, from_status, to_status):
    investigation = _at(nurse, child, from_status)
    before = _state(investigation)
    with pytest.raises(ApplicationError) as exc:
        _move(nurse, investigation, to_status)
    assert exc.value.code == "illegal_transition"
    assert f"from {from_status} to {to_status}" in exc.value.messages[0]
    assert _state(investigation) == before


def test_a_result_from_done_is_one_step(nurse, child):
    investigation = _at(nurse, child, Status.DONE)
    _result(nurse, investigation, abnormal=True)
    stored = Investigation.objects.get(pk=investigation.pk)
    assert (stored.status, stored.done_on, stored.abnormal) == (Status.RESULTED, _days_ago(1), True)


@pytest.mark.parametrize("from_status", [Status.REQUESTED, Status.BOOKED])
def test_a_result_straight_from_requested_or_booked_marks_it_done_too(nurse, child, from_status):
    investigation = _at(nurse, child, from_status)
    _result(nurse, investigation, done_on=_days_ago(2))
    stored = Investigation.objects.get(pk=investigation.pk)
    assert (stored.status, stored.done_on, stored.result_summary) == (
        Status.RESULTED,
        _days_ago(2),
        "No uptake.",
    )
    assert stored.history.count() == (2 if from_status == Status.REQUESTED else 3)


def test_a_result_without_a_done_date_is_done_today(nurse, child):
    investigation = _result(nurse, _request(nurse, child))
    assert investigation.done_on == timezone.localdate()


def test_a_two_step_result_is_one_transaction(nurse, child, monkeypatch):
    """If the second step fails, the first (requested -> done) is not kept either."""
    investigation = _request(nurse, child)
    before = _state(investigation)
    monkeypatch.setitem(services.INVESTIGATION_TRANSITIONS, Status.DONE, frozenset())
    with pytest.raises(ApplicationError) as exc:
        _result(nurse, investigation, done_on=_days_ago(1))
    assert exc.value.code == "illegal_transition"
    assert _state(investigation) == before
    assert investigation.status == Status.REQUESTED
    assert Investigation.history.filter(id=investigation.pk).count() == 1


@pytest.mark.parametrize("from_status", [Status.CANCELLED, Status.RESULTED])
def test_a_cancelled_or_resulted_investigation_cannot_be_resulted(nurse, child, from_status):
    investigation = _at(nurse, child, from_status)
    before = _state(investigation)
    with pytest.raises(ApplicationError) as exc:
        _result(nurse, investigation, result_summary="Another result")
    assert exc.value.code == "illegal_transition"
    assert _state(investigation) == before


def test_a_result_needs_a_summary(nurse, child):
    investigation = _request(nurse, child)
    with pytest.raises(ValidationError) as exc:
        _result(nurse, investigation, result_summary="  ")
    assert "result_summary" in exc.value.message_dict
    assert Investigation.objects.get(pk=investigation.pk).status == Status.REQUESTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(nurse, child, reason):
    investigation = _request(nurse, child)
    with pytest.raises(ValidationError) as exc:
        services.investigation_cancel(actor=nurse, investigation=investigation, reason=reason)
    assert "reason" in exc.value.message_dict
    assert Investigation.objects.get(pk=investigation.pk).status == Status.REQUESTED


def test_cancelling_records_the_reason(nurse, child):
    investigation = _at(nurse, child, Status.BOOKED)
    services.investigation_cancel(actor=nurse, investigation=investigation, reason=" done at local hospital ")
    stored = Investigation.objects.get(pk=investigation.pk)
    assert (stored.status, stored.cancel_reason) == (Status.CANCELLED, "done at local hospital")


def test_a_result_is_acknowledged_once(nurse, consultant, child):
    investigation = _at(nurse, child, Status.RESULTED)
    acknowledged = services.investigation_acknowledge(actor=consultant, investigation=investigation)
    assert acknowledged.acknowledged_by == consultant
    first_at = acknowledged.acknowledged_at
    assert first_at is not None
    with pytest.raises(ValidationError):
        services.investigation_acknowledge(actor=nurse, investigation=investigation)
    stored = Investigation.objects.get(pk=investigation.pk)
    assert (stored.acknowledged_by, stored.acknowledged_at) == (consultant, first_at)


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.BOOKED, Status.DONE, Status.CANCELLED])
def test_only_a_result_can_be_acknowledged(nurse, child, status):
    investigation = _at(nurse, child, status)
    with pytest.raises(ValidationError):
        services.investigation_acknowledge(actor=nurse, investigation=investigation)
    assert Investigation.objects.get(pk=investigation.pk).acknowledged_at is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "xray"}, "kind"),
        ({"kind": Investigation.Kind.OTHER}, "description"),
        ({"requested_on": timezone.localdate() + datetime.timedelta(days=1)}, "requested_on"),
    ],
    ids=["kind", "other-needs-description", "future"],
)
def test_a_bad_request_is_a_field_error_and_no_row(nurse, child, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _request(nurse, child, **kwargs)
    assert field in exc.value.message_dict
    assert not Investigation.objects.exists()


def test_an_other_investigation_is_labelled_by_its_description(nurse, child):
    investigation = _request(nurse, child, kind=Investigation.Kind.OTHER, description="Bone marrow aspirate")
    assert investigation.label == "Bone marrow aspirate"


def test_done_in_the_future_is_refused(nurse, child):
    investigation = _request(nurse, child)
    with pytest.raises(ValidationError) as exc:
        services.investigation_mark_done(actor=nurse, investigation=investigation, done_on=_days_ago(-1))
    assert "done_on" in exc.value.message_dict


@pytest.mark.parametrize("role", [Role.NURSE_SPECIALIST, Role.CONSULTANT, Role.SURGEON])
def test_nurses_consultants_and_surgeons_manage_investigations(child, role):
    actor = StaffFactory(role=role)
    investigation = _at(actor, child, Status.RESULTED)
    services.investigation_acknowledge(actor=actor, investigation=investigation)


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.PSYCHOLOGIST, Role.CLINIC_ADMIN])
def test_other_roles_may_not_manage_investigations(nurse, child, role):
    actor = StaffFactory(role=role)
    requested = _request(nurse, child)
    resulted = _at(nurse, child, Status.RESULTED)
    attempts = [
        lambda: _request(actor, child),
        lambda: services.investigation_book(actor=actor, investigation=requested, booked_for=_days_ago(-1)),
        lambda: services.investigation_mark_done(actor=actor, investigation=requested, done_on=_days_ago(0)),
        lambda: _result(actor, requested),
        lambda: services.investigation_cancel(actor=actor, investigation=requested, reason="no"),
        lambda: services.investigation_acknowledge(actor=actor, investigation=resulted),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as exc:
            attempt()
        assert isinstance(exc.value, PermissionDenied)
    assert Investigation.objects.get(pk=requested.pk).status == Status.REQUESTED
    assert Investigation.objects.get(pk=resulted.pk).acknowledged_at is None
    assert Investigation.objects.count() == 2


# --- The beat job: results left unacknowledged --------------------------------------------------


@pytest.fixture
def resulted_at_start(nurse, child, time_machine):
    """Two results recorded at START (by different requesters) and one acknowledged straight away."""
    time_machine.move_to(START, tick=False)
    other = StaffFactory(role=Role.CONSULTANT)
    first = _at(nurse, child, Status.RESULTED)
    second = _at(other, PatientFactory(), Status.RESULTED)
    seen = _at(nurse, child, Status.RESULTED)
    services.investigation_acknowledge(actor=nurse, investigation=seen)
    assert Investigation.objects.filter(resulted_at=START).count() == 3
    return first, second, seen


def _overdue_notifications():
    return Notification.objects.filter(kind="task_assigned")


def _overdue_tasks():
    return Task.objects.filter(source=Task.Source.INVESTIGATION_RESULT)


def test_before_the_deadline_nothing_is_flagged(resulted_at_start, time_machine):
    days = settings.RESULT_ACKNOWLEDGE_DAYS
    time_machine.move_to(START + datetime.timedelta(days=days) - datetime.timedelta(minutes=1), tick=False)
    assert services.investigations_flag_unacknowledged() == 0
    assert not _overdue_notifications().exists()
    assert not Delivery.objects.exists()
    assert not Investigation.objects.filter(acknowledgement_overdue_at__isnull=False).exists()


def test_after_the_deadline_each_unacknowledged_result_is_flagged_once(resulted_at_start, time_machine):
    first, second, seen = resulted_at_start
    later = START + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS, hours=1)
    time_machine.move_to(later, tick=False)

    assert services.investigations_flag_unacknowledged() == 2

    for investigation in (first, second):
        investigation.refresh_from_db()
        assert investigation.acknowledgement_overdue_at == later
        task = _overdue_tasks().get(assignee=investigation.requested_by)
        assert task.patient_id == investigation.patient_id and task.is_open
        assert (
            task.link_url == f"/patients/{investigation.patient_id}/pathway/#investigation-{investigation.pk}"
        )
        notification = _overdue_notifications().get(recipient=investigation.requested_by)
        assert notification.patient_id == investigation.patient_id
        delivery = Delivery.objects.get(notification=notification)
        assert delivery.to_address == investigation.requested_by.email
        # The email says only that there is something to look at.
        assert "MIBG" not in delivery.subject + delivery.body
    seen.refresh_from_db()
    assert seen.acknowledgement_overdue_at is None
    assert _overdue_notifications().count() == 2
    assert Delivery.objects.count() == 2


def test_a_second_run_adds_nothing(resulted_at_start, time_machine):
    time_machine.move_to(START + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS + 1), tick=False)
    assert services.investigations_flag_unacknowledged() == 2
    time_machine.move_to(START + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS + 5), tick=False)
    assert services.investigations_flag_unacknowledged() == 0
    assert _overdue_notifications().count() == 2
    assert Delivery.objects.count() == 2


def test_a_result_acknowledged_before_the_run_is_skipped(resulted_at_start, nurse, time_machine):
    first, second, _ = resulted_at_start
    time_machine.move_to(START + datetime.timedelta(days=2), tick=False)
    services.investigation_acknowledge(actor=nurse, investigation=first)
    time_machine.move_to(START + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS + 1), tick=False)
    assert services.investigations_flag_unacknowledged() == 1
    assert list(_overdue_notifications().values_list("recipient", flat=True)) == [second.requested_by_id]


def test_the_job_takes_an_explicit_now(resulted_at_start):
    days = settings.RESULT_ACKNOWLEDGE_DAYS
    assert services.investigations_flag_unacknowledged(now=START + datetime.timedelta(days=days - 1)) == 0
    assert services.investigations_flag_unacknowledged(now=START + datetime.timedelta(days=days)) == 2
    assert services.investigations_flag_unacknowledged(now=START + datetime.timedelta(days=days + 3)) == 0


def test_acknowledging_closes_the_escalation_task(resulted_at_start, nurse, time_machine):
    first, _, _ = resulted_at_start
    time_machine.move_to(START + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS + 1), tick=False)
    services.investigations_flag_unacknowledged()
    services.investigation_acknowledge(actor=nurse, investigation=first)
    task = _overdue_tasks().get(assignee=first.requested_by)
    assert task.status == Task.Status.DONE and task.completed_by == nurse


def test_the_deadline_follows_the_setting(resulted_at_start, settings, time_machine):
    settings.RESULT_ACKNOWLEDGE_DAYS = 2
    time_machine.move_to(START + datetime.timedelta(days=2, minutes=1), tick=False)
    assert services.investigations_flag_unacknowledged() == 2
