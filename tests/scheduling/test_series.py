"""Treatment series: generation across clock changes, all or nothing, moves, and the end of a course."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.notifications.models import Notification
from apps.pathways import services as pathways
from apps.pathways.models import TreatmentCourse
from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent, Reminder, TreatmentSeries
from carecoord.errors import ApplicationError

from ..factories import StaffFactory
from . import LONDON, at, book

Status = Appointment.Status


def ivig(cast, first: datetime.datetime, *, count: int = 6, interval_days: int = 28, **extra):
    return services.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="IVIG every 4 weeks",
        interval_days=interval_days,
        count=count,
        first_starts_at=first,
        duration_minutes=240,
        location="Day Case Unit, Ward 4",
        preparation_notes="Bring a snack and something to do.",
        **extra,
    )


def occurrences(series: TreatmentSeries) -> list[Appointment]:
    return list(series.appointments.order_by("series_index"))


def wall_clock(appointment: Appointment) -> tuple[datetime.date, datetime.time]:
    local = appointment.starts_at.astimezone(LONDON)
    return local.date(), local.time()


# --- Generation -----------------------------------------------------------------------------------


def test_a_series_generates_count_appointments_at_the_interval(cast):
    series = ivig(cast, at(2026, 12, 1, 10), count=6)
    made = occurrences(series)
    assert [a.series_index for a in made] == [1, 2, 3, 4, 5, 6]
    assert [wall_clock(a)[0] for a in made] == [
        datetime.date(2026, 12, 1) + datetime.timedelta(days=28 * i) for i in range(6)
    ]
    assert {(a.kind, a.status, a.location, a.ends_at - a.starts_at) for a in made} == {
        (Appointment.Kind.INFUSION, Status.BOOKED, "Day Case Unit, Ward 4", datetime.timedelta(hours=4))
    }
    assert all(a.preparation_notes == "Bring a snack and something to do." for a in made)
    assert AppointmentEvent.objects.filter(kind="booked").count() == 6


def test_a_series_keeps_the_same_local_clock_time_across_the_october_and_march_clock_changes(cast):
    # 6 Oct 2026 (BST) -> ... past 25 Oct 2026 (to GMT) -> ... past 28 Mar 2027 (back to BST).
    series = ivig(cast, at(2026, 10, 6, 10), count=8, interval_days=28)
    made = occurrences(series)
    assert {wall_clock(a)[1] for a in made} == {datetime.time(10, 0)}
    utc_hours = [a.starts_at.astimezone(datetime.UTC).hour for a in made]
    assert utc_hours == [9, 10, 10, 10, 10, 10, 10, 9]  # BST, six in GMT, BST again
    assert [wall_clock(a)[0] for a in made][-1] == datetime.date(2027, 4, 20)
    assert all(a.ends_at - a.starts_at == datetime.timedelta(hours=4) for a in made)


def test_a_clash_anywhere_refuses_the_whole_series(cast):
    clinic = book(cast.nurse_a, cast.child_a, at(2027, 1, 26, 11), kind=Appointment.Kind.MRI)
    with pytest.raises(ApplicationError) as refused:
        ivig(cast, at(2026, 12, 1, 10), count=6)  # the 3rd falls on 26 Jan 10:00-14:00
    problems = refused.value.fields["first_starts_at"]
    assert len(problems) == 1
    assert problems[0].startswith(
        "Appointment 3: The child already has an appointment (MRI scan) at 11:00 on 26 Jan 2027"
    )
    assert TreatmentSeries.objects.count() == 0
    assert list(Appointment.objects.all()) == [clinic]


def test_a_series_can_override_a_clash_with_a_reason(cast):
    book(cast.nurse_a, cast.child_a, at(2027, 1, 26, 11), kind=Appointment.Kind.MRI)
    series = ivig(cast, at(2026, 12, 1, 10), count=6, override_reason="MRI under the same sedation")
    assert series.appointments.count() == 6


@pytest.mark.parametrize(
    ("field", "value"), [("count", 0), ("count", 53), ("interval_days", 0), ("title", "  ")]
)
def test_a_series_with_nonsense_details_is_refused(cast, field, value):
    details = {"title": "IVIG", "interval_days": 28, "count": 6}
    details[field] = value
    with pytest.raises(ValidationError) as refused:
        services.series_create(
            actor=cast.nurse_a, patient=cast.child_a, first_starts_at=at(2026, 12, 1, 10), **details
        )
    assert field in refused.value.message_dict
    assert TreatmentSeries.objects.count() == Appointment.objects.count() == 0


# --- Moving one, or this and all following --------------------------------------------------------


def test_moving_one_occurrence_leaves_the_others(cast):
    series = ivig(cast, at(2026, 12, 1, 10), count=5)
    third = occurrences(series)[2]
    moved = services.series_move(actor=cast.nurse_a, appointment=third, starts_at=at(2027, 1, 27, 9))
    assert [a.pk for a in moved] == [third.pk]
    after = occurrences(series)
    assert [wall_clock(a) for a in after] == [
        (datetime.date(2026, 12, 1), datetime.time(10)),
        (datetime.date(2026, 12, 29), datetime.time(10)),
        (datetime.date(2027, 1, 27), datetime.time(9)),
        (datetime.date(2027, 2, 23), datetime.time(10)),
        (datetime.date(2027, 3, 23), datetime.time(10)),
    ]
    assert [a.sequence for a in after] == [0, 0, 1, 0, 0]
    assert after[2].ends_at - after[2].starts_at == datetime.timedelta(hours=4)
    assert AppointmentEvent.objects.filter(kind="rescheduled").count() == 1


def test_moving_this_and_all_following_shifts_the_rest_and_not_the_earlier_ones(cast):
    series = ivig(cast, at(2026, 12, 1, 10), count=5)
    second = occurrences(series)[1]
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=occurrences(series)[4], cancelled_by="family", reason="Holiday"
    )
    moved = services.series_move(
        actor=cast.nurse_a, appointment=second, starts_at=at(2026, 12, 30, 10), and_following=True
    )
    assert [a.series_index for a in moved] == [2, 3, 4]  # the cancelled fifth stays where it was
    after = occurrences(series)
    assert [wall_clock(a)[0] for a in after] == [
        datetime.date(2026, 12, 1),
        datetime.date(2026, 12, 30),
        datetime.date(2027, 1, 27),
        datetime.date(2027, 2, 24),
        datetime.date(2027, 3, 23),
    ]
    assert [a.sequence for a in after] == [0, 1, 1, 1, 1]  # the fifth went up when cancelled
    assert after[4].status == Status.CANCELLED


@pytest.mark.parametrize(
    ("first", "interval_days", "move_to", "expected_days"),
    [
        # The occurrence moved crosses the October change (20 Oct BST -> 27 Oct GMT).
        (at(2026, 10, 20, 10), 28, at(2026, 10, 27, 10), [(10, 27), (11, 24), (12, 22)]),
        # The occurrence moved does not, but a following one does (20 Oct BST -> 26 Oct GMT).
        (at(2026, 10, 13, 10), 7, at(2026, 10, 19, 10), [(10, 19), (10, 26), (11, 2)]),
    ],
)
def test_moving_all_following_across_a_clock_change_keeps_the_local_clock_time(
    cast, first, interval_days, move_to, expected_days
):
    series = ivig(cast, first, count=3, interval_days=interval_days)
    services.series_move(
        actor=cast.nurse_a, appointment=occurrences(series)[0], starts_at=move_to, and_following=True
    )
    after = occurrences(series)
    assert [wall_clock(a) for a in after] == [
        (datetime.date(2026, month, day), datetime.time(10)) for month, day in expected_days
    ]
    assert {a.ends_at - a.starts_at for a in after} == {datetime.timedelta(hours=4)}


def test_moving_all_following_onto_another_appointment_moves_none(cast):
    series = ivig(cast, at(2026, 12, 1, 10), count=4)
    book(cast.nurse_a, cast.child_a, at(2027, 2, 24, 11), kind=Appointment.Kind.MRI)
    second = occurrences(series)[1]
    with pytest.raises(ApplicationError) as refused:
        services.series_move(
            actor=cast.nurse_a, appointment=second, starts_at=at(2026, 12, 30, 10), and_following=True
        )
    assert "(MRI scan) at 11:00 on 24 Feb 2027" in " ".join(refused.value.messages)
    assert [a.sequence for a in occurrences(series)] == [0, 0, 0, 0]
    assert not AppointmentEvent.objects.filter(kind="rescheduled").exists()


def test_a_move_sends_the_family_a_notice(cast):
    series = ivig(cast, at(2026, 12, 1, 10), count=3)
    services.series_move(
        actor=cast.nurse_a,
        appointment=occurrences(series)[0],
        starts_at=at(2026, 12, 2, 10),
        and_following=True,
    )
    moved = Reminder.objects.filter(kind=Reminder.Kind.MOVED, guardian=cast.family_a)
    assert moved.count() == 3
    assert Notification.objects.filter(recipient=cast.family_a, kind="appointment_moved").count() == 3


# --- The end of a course ---------------------------------------------------------------------------


@pytest.fixture
def consultant(db):
    return StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)


@pytest.mark.parametrize("ending", [TreatmentCourse.Status.STOPPED, TreatmentCourse.Status.COMPLETED])
def test_ending_the_course_cancels_the_rest_of_its_series_with_notices(cast, consultant, ending):
    with time_machine.travel(at(2027, 1, 4, 8), tick=False):
        course = pathways.course_create(
            actor=consultant,
            patient=cast.child_a,
            agent=TreatmentCourse.Agent.IVIG,
            start_date=timezone.localdate(),
        )
        series = ivig(cast, at(2027, 1, 5, 10), count=6, interval_days=14, course=course)
        other = services.series_create(
            actor=cast.nurse_a,
            patient=cast.child_a,
            title="Physiotherapy",
            kind=Appointment.Kind.THERAPY_PHYSIO,
            interval_days=7,
            count=3,
            first_starts_at=at(2027, 2, 1, 15),
            duration_minutes=45,
        )
    with time_machine.travel(at(2027, 1, 25, 8), tick=False):
        services.appointment_attended(actor=cast.nurse_a, appointment=occurrences(series)[0])
        pathways.course_transition(actor=consultant, course=course, to_status=ending, reason="Side effects")
    after = occurrences(series)
    assert [a.status for a in after] == [Status.ATTENDED, Status.BOOKED] + [Status.CANCELLED] * 4
    cancelled = after[2:]
    assert {(a.cancelled_by, a.cancel_reason, a.sequence) for a in cancelled} == {
        ("hospital", "The course ended: Side effects", 1)
    }
    series.refresh_from_db()
    assert series.status == TreatmentSeries.Status.ENDED
    notices = Reminder.objects.filter(kind=Reminder.Kind.CANCELLED, guardian=cast.family_a)
    assert sorted(notices.values_list("appointment_id", flat=True)) == [a.pk for a in cancelled]
    assert Notification.objects.filter(recipient=cast.family_a, kind="appointment_cancelled").count() == 4
    assert {a.status for a in occurrences(other)} == {Status.BOOKED}  # not linked to the course


def test_stopping_a_series_by_hand(cast):
    series = ivig(cast, timezone.now() + datetime.timedelta(days=2), count=3)
    assert services.series_stop(actor=cast.nurse_a, series=series, reason="Plan changed") == 3
    assert {a.status for a in occurrences(series)} == {Status.CANCELLED}
    with pytest.raises(PermissionDenied):
        services.series_stop(actor=cast.family_a, series=series, reason="Not allowed")
