"""Appointment and series status changes go through one table (services.APPOINTMENT, services.SERIES):
each change writes its AppointmentEvent and a history row with its actor, refusals come from the table
in one wording, pages offer exactly what the table allows, and the API decides scope (404) before the
role (403)."""

import datetime
import itertools

import pytest
from django.utils import timezone

from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent, TreatmentSeries
from apps.scheduling.views._common import RECORD_ACTIONS
from carecoord.errors import ApplicationError

from . import at, book

Status = Appointment.Status
Kind = AppointmentEvent.Kind
YEAR = timezone.localdate().year + 1

# Written out here, not read from the code.
ALLOWED = {
    (Status.BOOKED, Status.CONFIRMED),
    (Status.BOOKED, Status.ATTENDED),
    (Status.BOOKED, Status.DID_NOT_ATTEND),
    (Status.BOOKED, Status.CANCELLED),
    (Status.BOOKED, Status.BOOKED),  # moved
    (Status.CONFIRMED, Status.ATTENDED),
    (Status.CONFIRMED, Status.DID_NOT_ATTEND),
    (Status.CONFIRMED, Status.CANCELLED),
    (Status.CONFIRMED, Status.BOOKED),  # moved: it needs confirming again
}


def test_the_appointment_table_is_the_one_specified():
    table = {(a, b) for a, targets in services.APPOINTMENT.table.items() for b in targets}
    assert table == ALLOWED
    assert set(services.APPOINTMENT.table) == set(Status.values)
    assert services.SERIES.table == {"active": frozenset({"ended"}), "ended": frozenset()}


def _history(appointment: Appointment) -> list[tuple[str, int | None]]:
    return [(h.status, h.history_user_id) for h in appointment.history.order_by("history_id")]


def test_every_status_change_writes_its_event_and_a_history_row_with_the_actor(cast, time_machine):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    services.appointment_confirm(actor=cast.family_a, appointment=appointment)
    services.appointment_move(
        actor=cast.nurse_a, appointment=appointment, starts_at=at(YEAR, 3, 9, 9), ends_at=at(YEAR, 3, 9, 10)
    )
    time_machine.move_to(at(YEAR, 3, 9, 9), tick=False)
    services.appointment_attended(actor=cast.admin, appointment=appointment)

    events = list(appointment.events.values_list("kind", "actor", "previous_starts_at"))
    assert events == [
        (Kind.BOOKED, cast.nurse_a.pk, None),
        (Kind.CONFIRMED, cast.family_a.pk, None),
        (Kind.RESCHEDULED, cast.nurse_a.pk, at(YEAR, 3, 2, 9)),
        (Kind.ATTENDED, cast.admin.pk, None),
    ]
    assert _history(appointment) == [
        (Status.BOOKED, cast.nurse_a.pk),
        (Status.CONFIRMED, cast.family_a.pk),
        (Status.BOOKED, cast.nurse_a.pk),
        (Status.ATTENDED, cast.admin.pk),
    ]


def test_a_cancellation_writes_its_event_with_the_reason_and_a_history_row(cast):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=appointment, cancelled_by="family", reason="Poorly with a cold"
    )
    event = appointment.events.last()
    assert (event.kind, event.actor, event.note) == (Kind.CANCELLED, cast.nurse_a, "Poorly with a cold")
    assert _history(appointment)[-1] == (Status.CANCELLED, cast.nurse_a.pk)


FINAL = (Status.ATTENDED, Status.DID_NOT_ATTEND, Status.CANCELLED)


def _drive_to(cast, status: str) -> Appointment:
    appointment = book(cast.nurse_a, cast.child_a, timezone.now() - datetime.timedelta(hours=2))
    if status == Status.CONFIRMED:
        services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)
    elif status == Status.ATTENDED:
        services.appointment_attended(actor=cast.nurse_a, appointment=appointment)
    elif status == Status.DID_NOT_ATTEND:
        services.appointment_did_not_attend(actor=cast.nurse_a, appointment=appointment)
    elif status == Status.CANCELLED:
        services.appointment_cancel(
            actor=cast.nurse_a, appointment=appointment, cancelled_by="hospital", reason="x"
        )
    return appointment


RECORDS = {
    Status.CONFIRMED: services.appointment_confirm,
    Status.ATTENDED: services.appointment_attended,
    Status.DID_NOT_ATTEND: services.appointment_did_not_attend,
}


FORBIDDEN = [p for p in itertools.product((*FINAL, Status.CONFIRMED), RECORDS) if p not in ALLOWED]


@pytest.mark.parametrize(("start", "to"), FORBIDDEN)
def test_a_move_the_table_forbids_is_refused_in_one_wording_and_writes_nothing(cast, start, to):
    appointment = _drive_to(cast, start)
    events = appointment.events.count()
    with pytest.raises(ApplicationError) as refused:
        RECORDS[to](actor=cast.nurse_a, appointment=appointment)
    assert refused.value.code == "illegal_transition"
    assert refused.value.message == (
        f"This appointment is {Status(start).label.lower()}; it cannot be marked {Status(to).label.lower()}."
    )
    assert (appointment.events.count(), Appointment.objects.get(pk=appointment.pk).status) == (events, start)


@pytest.mark.parametrize("start", FINAL)
def test_moving_or_cancelling_a_finished_appointment_is_stale(cast, start):
    appointment = _drive_to(cast, start)
    later = timezone.now() + datetime.timedelta(days=3)
    attempts = [
        lambda: services.appointment_move(
            actor=cast.nurse_a,
            appointment=appointment,
            starts_at=later,
            ends_at=later + datetime.timedelta(hours=1),
        ),
        lambda: services.appointment_cancel(
            actor=cast.nurse_a, appointment=appointment, cancelled_by="hospital", reason="Again"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as refused:
            attempt()
        assert refused.value.code == "stale"
        assert refused.value.message.startswith(f"This appointment is now {Status(start).label.lower()};")
    assert Appointment.objects.get(pk=appointment.pk).status == start


def test_the_status_the_caller_saw_is_checked_by_the_service(cast):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)
    with pytest.raises(ApplicationError) as refused:
        services.appointment_cancel(
            actor=cast.nurse_a,
            appointment=appointment,
            cancelled_by="hospital",
            reason="x",
            expected="booked",
        )
    assert refused.value.code == "stale"
    assert refused.value.message == "This appointment is now confirmed; someone changed it a moment ago."
    assert Appointment.objects.get(pk=appointment.pk).status == Status.CONFIRMED


# --- Series ----------------------------------------------------------------------------------------


def _series(cast, count=3) -> TreatmentSeries:
    return services.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="IVIG every 4 weeks",
        interval_days=28,
        count=count,
        first_starts_at=at(YEAR, 1, 5, 10),
    )


def test_stopping_a_series_twice_is_stale_and_changes_nothing(cast):
    series = _series(cast)
    assert services.series_stop(actor=cast.nurse_a, series=series, reason="Plan changed") == 3
    events = AppointmentEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.series_stop(actor=cast.nurse_a, series=series, reason="Again")
    assert refused.value.code == "stale"
    assert refused.value.message == "This series is now ended; someone changed it a moment ago."
    assert AppointmentEvent.objects.count() == events


def test_the_end_of_a_course_leaves_a_series_already_stopped_alone(cast):
    series = _series(cast)
    services.series_stop(actor=cast.nurse_a, series=series, reason="Plan changed")
    assert services.series_end(actor=cast.nurse_a, series=series, reason="The course ended") == 0
    assert TreatmentSeries.objects.get(pk=series.pk).status == TreatmentSeries.Status.ENDED


# --- Pages offer what the table allows ------------------------------------------------------------


def _buttons(html: str, appointment: Appointment) -> set[str]:
    return {
        action
        for action in ("confirm", "attended", "did-not-attend", "move", "cancel")
        if f"/appointments/{appointment.pk}/{action}/" in html
    }


@pytest.mark.parametrize(
    ("start", "offered"),
    [
        (Status.BOOKED, {"confirm", "attended", "did-not-attend", "move", "cancel"}),
        (Status.CONFIRMED, {"attended", "did-not-attend", "move", "cancel"}),
        (Status.ATTENDED, set()),
        (Status.DID_NOT_ATTEND, set()),
        (Status.CANCELLED, set()),
    ],
)
def test_an_appointment_row_offers_exactly_what_the_table_allows(client_for, cast, start, offered):
    appointment = _drive_to(cast, start)
    html = client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/appointments/").content.decode()
    assert _buttons(html, appointment) == offered
    targets = {key: to for key, (_, _, to) in RECORD_ACTIONS.items()}
    targets.update({"move": Status.BOOKED, "cancel": Status.CANCELLED})
    assert offered == {key for key, to in targets.items() if services.APPOINTMENT.can(start, to)}


def test_the_family_is_offered_confirm_only_while_the_table_allows_it(client_for, cast):
    appointment = book(cast.nurse_a, cast.child_a, timezone.now() + datetime.timedelta(days=3))
    family = client_for(cast.family_a)
    page = f"/portal/children/{cast.child_a.pk}/"
    confirm = f"/portal/children/{cast.child_a.pk}/appointments/{appointment.pk}/confirm/"
    assert confirm in family.get(page).content.decode()
    services.appointment_confirm(actor=cast.family_a, appointment=appointment)
    assert confirm not in family.get(page).content.decode()


# --- Out of scope is 404 before any role check ----------------------------------------------------


def _child_routes(cast, appointment, series):
    child, when = cast.child_a.pk, at(YEAR, 6, 1, 10).isoformat()
    return [
        ("get", f"/api/v1/patients/{child}/series/", {}),
        ("post", f"/api/v1/patients/{child}/series/", {"title": "IVIG", "interval_days": 28, "count": 2}),
        ("get", f"/api/v1/series/{series.pk}/", {}),
        ("post", f"/api/v1/series/{series.pk}/stop/", {"reason": "Stopped"}),
        ("post", f"/api/v1/series/{series.pk}/move/", {"appointment": appointment.pk, "starts_at": when}),
        ("post", f"/api/v1/patients/{child}/appointments/", {"kind": "mri", "starts_at": when}),
        ("post", f"/api/v1/appointments/{appointment.pk}/attended/", {}),
        ("post", f"/api/v1/appointments/{appointment.pk}/did-not-attend/", {}),
        ("post", f"/api/v1/appointments/{appointment.pk}/cancel/", {"cancelled_by": "family", "reason": "x"}),
        ("post", f"/api/v1/appointments/{appointment.pk}/move/", {"starts_at": when}),
    ]


def test_a_family_gets_404_for_another_childs_series_and_bookings_and_403_for_their_own(cast, api_for):
    series = _series(cast, count=2)
    appointment = series.appointments.first()
    for method, url, body in _child_routes(cast, appointment, series):
        other = getattr(api_for(cast.family_b), method)(url, body, format="json")
        assert (other.status_code, other.json()["error"]["code"]) == (404, "not_found"), url
        own = getattr(api_for(cast.family_a), method)(url, body, format="json")
        assert (own.status_code, own.json()["error"]["code"]) == (403, "permission_denied"), url
    assert TreatmentSeries.objects.get().status == TreatmentSeries.Status.ACTIVE
    assert set(Appointment.objects.values_list("status", flat=True)) == {Status.BOOKED}
