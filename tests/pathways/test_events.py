"""Every investigation step leaves its event row (who, when, from, to, note) through the one table,
acknowledging leaves a history row naming who did it, and the timeline reads the event rows."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.pathways import services
from apps.pathways.models import Investigation, InvestigationEvent
from apps.pathways.timeline import timeline_for
from carecoord.errors import ApplicationError

Status = Investigation.Status
TODAY = timezone.localdate()
BOOKED_FOR = TODAY + datetime.timedelta(days=3)
ALLOWED = [(a, b) for a, targets in services.INVESTIGATION.table.items() for b in sorted(targets)]
ILLEGAL = [
    (a, b)
    for a in Status.values
    for b in (Status.BOOKED, Status.DONE, Status.CANCELLED)
    if not services.INVESTIGATION.can(a, b)
]


def _move(actor, investigation, to):
    """Make one move through the service that makes it."""
    if to == Status.BOOKED:
        return services.investigation_book(actor=actor, investigation=investigation, booked_for=BOOKED_FOR)
    if to == Status.DONE:
        return services.investigation_mark_done(actor=actor, investigation=investigation, done_on=TODAY)
    if to == Status.RESULTED:
        return services.investigation_record_result(
            actor=actor,
            investigation=investigation,
            result_summary="Uptake in the left adrenal.",
            abnormal=True,
        )
    if to == Status.CANCELLED:
        return services.investigation_cancel(actor=actor, investigation=investigation, reason=" duplicate ")
    raise AssertionError(to)


def _at(actor, patient, status):
    investigation = services.investigation_request(actor=actor, patient=patient, kind="mibg")
    path = {Status.REQUESTED: [], Status.RESULTED: [Status.DONE, Status.RESULTED]}.get(status, [status])
    for step in path:
        investigation = _move(actor, investigation, step)
    return investigation


def _steps(investigation):
    return list(investigation.events.values_list("from_status", "to_status", "actor", "note"))


def test_a_request_writes_the_first_event(cast, consultant):
    investigation = services.investigation_request(actor=consultant, patient=cast.child_a, kind="mri_brain")
    [event] = investigation.events.all()
    assert (event.from_status, event.to_status, event.actor, event.note) == ("", "requested", consultant, "")
    assert event.at is not None


NOTES = {Status.BOOKED: f"for {BOOKED_FOR:%d %b %Y}", Status.CANCELLED: "duplicate"}


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_move_writes_one_event_naming_the_actor(cast, consultant, from_status, to_status):
    investigation = _at(cast.nurse_a, cast.child_a, from_status)
    before = _steps(investigation)
    moved = _move(consultant, investigation, to_status)
    assert _steps(investigation) == [
        *before,
        (from_status, to_status, consultant.pk, NOTES.get(to_status, "")),
    ]
    assert moved.history.latest().history_user == consultant


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_an_illegal_move_writes_no_event(cast, consultant, from_status, to_status):
    investigation = _at(consultant, cast.child_a, from_status)
    before = _steps(investigation)
    with pytest.raises(ApplicationError):
        _move(consultant, investigation, to_status)
    assert _steps(investigation) == before


@pytest.mark.parametrize("from_status", [Status.REQUESTED, Status.BOOKED])
def test_a_result_straight_from_requested_or_booked_records_done_then_resulted(cast, consultant, from_status):
    investigation = _at(consultant, cast.child_a, from_status)
    _move(consultant, investigation, Status.RESULTED)
    assert [s[:2] for s in _steps(investigation)][-2:] == [
        (from_status, Status.DONE),
        (Status.DONE, Status.RESULTED),
    ]


def test_acknowledging_leaves_a_history_row_naming_who_acknowledged(cast, consultant):
    investigation = _at(cast.nurse_a, cast.child_a, Status.RESULTED)
    rows_before = investigation.history.count()

    services.investigation_acknowledge(actor=consultant, investigation=investigation)

    assert investigation.history.count() == rows_before + 1
    latest = investigation.history.latest()
    assert latest.history_user == consultant
    assert (latest.acknowledged_by, latest.status) == (consultant, Status.RESULTED)
    assert latest.acknowledged_at is not None
    assert _steps(investigation)[-1] == (Status.RESULTED, InvestigationEvent.ACKNOWLEDGED, consultant.pk, "")


def test_a_refused_acknowledgement_writes_nothing(cast, consultant):
    investigation = _at(consultant, cast.child_a, Status.DONE)
    before = (_steps(investigation), investigation.history.count())
    with pytest.raises(ValidationError, match="no result to acknowledge"):
        services.investigation_acknowledge(actor=consultant, investigation=investigation)
    assert (_steps(investigation), investigation.history.count()) == before


def test_escalating_an_unacknowledged_result_leaves_a_history_row(cast, consultant, time_machine):
    investigation = _at(consultant, cast.child_a, Status.RESULTED)
    rows_before = investigation.history.count()
    time_machine.move_to(timezone.now() + datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS + 1))

    assert services.investigations_flag_unacknowledged() == 1

    assert investigation.history.count() == rows_before + 1
    assert investigation.history.latest().acknowledgement_overdue_at is not None
    assert services.investigations_flag_unacknowledged() == 0
    assert investigation.history.count() == rows_before + 1


def test_the_timeline_shows_each_step_with_who_took_it(cast, consultant):
    investigation = services.investigation_request(actor=cast.nurse_a, patient=cast.child_a, kind="mibg")
    for to in (Status.BOOKED, Status.DONE, Status.RESULTED):
        _move(consultant, investigation, to)
    services.investigation_acknowledge(actor=cast.nurse_a, investigation=investigation)
    cancelled = services.investigation_request(actor=consultant, patient=cast.child_a, kind="mri_brain")
    _move(consultant, cancelled, Status.CANCELLED)

    entries = [e for e in timeline_for(cast.child_a) if e.kind == "investigation"]

    assert sorted((e.summary, e.actor) for e in entries) == sorted(
        [
            ("MIBG scan requested", "Nina Nurse"),
            (f"MIBG scan booked for {BOOKED_FOR:%d %b %Y}", "Cara Consultant"),
            ("MIBG scan done", "Cara Consultant"),
            ("MIBG scan resulted (abnormal)", "Cara Consultant"),
            ("MIBG scan result acknowledged", "Nina Nurse"),
            ("MRI brain requested", "Cara Consultant"),
            ("MRI brain cancelled: duplicate", "Cara Consultant"),
        ]
    )
    assert {e.specialty for e in entries if e.summary.startswith("MIBG")} == {"oncology"}
    assert {e.url for e in entries if e.summary.startswith("MRI")} == {
        f"/patients/{cast.child_a.pk}/pathway/#investigation-{cancelled.pk}"
    }


def test_a_backdated_request_sits_on_its_requested_day(cast, consultant):
    day = TODAY - datetime.timedelta(days=40)
    services.investigation_request(actor=consultant, patient=cast.child_a, kind="mibg", requested_on=day)
    [entry] = [e for e in timeline_for(cast.child_a) if e.kind == "investigation"]
    assert entry.day == day


def test_the_backfill_rebuilds_from_history_the_events_the_services_write(cast, consultant):
    """Investigations recorded before InvestigationEvent get the same steps, from their history."""
    child, nurse = cast.child_a, cast.nurse_a
    rebooked = _at(nurse, child, Status.BOOKED)
    services.investigation_book(actor=consultant, investigation=rebooked, booked_for=TODAY)
    straight_to_result = services.investigation_request(actor=nurse, patient=child, kind="mri_brain")
    _move(consultant, straight_to_result, Status.RESULTED)
    services.investigation_acknowledge(actor=nurse, investigation=straight_to_result)
    investigations = [
        _at(nurse, child, Status.REQUESTED),
        _at(nurse, child, Status.CANCELLED),
        rebooked,
        straight_to_result,
    ]
    written = {i.pk: _steps(i) for i in investigations}
    InvestigationEvent.objects.all().delete()

    migration = importlib.import_module("apps.pathways.migrations.0004_backfill_investigation_events")
    migration.backfill(django_apps, None)

    assert {i.pk: _steps(i) for i in investigations} == written
