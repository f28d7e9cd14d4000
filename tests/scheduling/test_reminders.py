"""Reminders 7 days and 1 day before, each sent once through the outbox; notices on a move or cancellation."""

import datetime
from unittest import mock

import pytest
import time_machine

from apps.notifications.models import Delivery, Notification
from apps.patients import services as patients
from apps.scheduling import services
from apps.scheduling.models import Appointment, Reminder

from ..factories import GuardianFactory
from . import at, book

Kind = Reminder.Kind
WHEN = at(2026, 12, 10, 10)  # Thursday 10 December 2026, 10:00


def run_at(moment: datetime.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return services.reminders_send_due()


@pytest.fixture
def appointment(cast):
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        return book(
            cast.nurse_a,
            cast.child_a,
            WHEN,
            kind=Appointment.Kind.LUMBAR_PUNCTURE,
            location="Day Surgery Unit, Level 2",
            preparation_notes="Nil by mouth from 7am",
            internal_notes="Safeguarding concern: speak to the social worker first",
        )


def sent(appointment: Appointment) -> list[tuple[str, int]]:
    return list(appointment.reminders.order_by("id").values_list("kind", "sequence"))


def test_each_reminder_is_sent_exactly_once_over_repeated_runs(cast, appointment):
    assert run_at(at(2026, 12, 1, 10)) == 0  # nine days before: nothing yet
    assert run_at(at(2026, 12, 3, 10)) == 1  # seven days before
    assert run_at(at(2026, 12, 3, 10, 5)) == 0
    assert run_at(at(2026, 12, 6, 8)) == 0
    assert run_at(at(2026, 12, 9, 10)) == 1  # one day before
    assert run_at(at(2026, 12, 9, 18)) == 0
    assert run_at(at(2026, 12, 10, 11)) == 0  # after it started
    assert sent(appointment) == [(Kind.WEEK_BEFORE, 0), (Kind.DAY_BEFORE, 0)]
    titles = list(
        Notification.objects.filter(recipient=cast.family_a).order_by("id").values_list("title", flat=True)
    )
    assert titles == [
        "Reminder: appointment in one week, Thursday 10 December, 10:00am",
        "Reminder: appointment tomorrow, Thursday 10 December, 10:00am",
    ]
    assert Delivery.objects.filter(to_address=cast.family_a.email).count() == 2


def test_a_late_booking_gets_only_the_one_day_reminder(cast):
    with time_machine.travel(at(2026, 12, 9, 12), tick=False):
        late = book(cast.nurse_a, cast.child_a, WHEN)
    assert run_at(at(2026, 12, 9, 12, 5)) == 1
    assert run_at(at(2026, 12, 9, 13)) == 0
    assert sent(late) == [(Kind.DAY_BEFORE, 0)]


def test_no_reminders_for_a_cancelled_appointment(cast, appointment):
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        services.appointment_cancel(
            actor=cast.nurse_a, appointment=appointment, cancelled_by="family", reason="Child unwell"
        )
    for moment in (at(2026, 12, 3, 10), at(2026, 12, 9, 10)):
        assert run_at(moment) == 0
    assert sent(appointment) == [(Kind.CANCELLED, 1)]  # the cancellation notice, and nothing else
    notice = Notification.objects.get(recipient=cast.family_a)
    assert notice.title == "An appointment on Thursday 10 December, 10:00am has been cancelled"


def test_no_reminders_or_notices_for_a_staff_only_appointment(cast):
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):
        hidden = book(cast.nurse_a, cast.child_a, WHEN, family_visible=False)
        services.appointment_move(
            actor=cast.nurse_a,
            appointment=hidden,
            starts_at=WHEN + datetime.timedelta(hours=1),
            ends_at=WHEN + datetime.timedelta(hours=2),
        )
    for moment in (at(2026, 12, 3, 11), at(2026, 12, 9, 11)):
        assert run_at(moment) == 0
    assert not Reminder.objects.exists()
    assert not Notification.objects.filter(recipient=cast.family_a).exists()


def test_a_move_sends_a_notice_and_a_fresh_reminder_for_the_new_time(cast, appointment):
    assert run_at(at(2026, 12, 3, 10)) == 1
    with time_machine.travel(at(2026, 12, 4, 9), tick=False):
        services.appointment_move(
            actor=cast.nurse_a,
            appointment=appointment,
            starts_at=at(2026, 12, 11, 14),
            ends_at=at(2026, 12, 11, 15),
        )
    assert sent(appointment) == [(Kind.WEEK_BEFORE, 0), (Kind.MOVED, 1)]
    assert Notification.objects.filter(recipient=cast.family_a, kind="appointment_moved").get().title == (
        "An appointment has moved to Friday 11 December, 2:00pm"
    )
    assert run_at(at(2026, 12, 4, 15)) == 1  # the new time is now within the week: remind of it
    assert run_at(at(2026, 12, 9, 14)) == 0  # the old day before no longer applies
    assert run_at(at(2026, 12, 10, 14)) == 1
    assert run_at(at(2026, 12, 10, 15)) == 0
    assert sent(appointment) == [
        (Kind.WEEK_BEFORE, 0),
        (Kind.MOVED, 1),
        (Kind.WEEK_BEFORE, 1),
        (Kind.DAY_BEFORE, 1),
    ]


def test_one_reminder_per_active_guardian_and_none_for_a_deactivated_one(cast, appointment):
    father = GuardianFactory(patient=cast.child_a, relationship="father")
    former = GuardianFactory(patient=cast.child_a, relationship="other")
    patients.guardian_deactivate(actor=cast.nurse_a, guardian=former)
    assert run_at(at(2026, 12, 3, 10)) == 2
    assert run_at(at(2026, 12, 3, 12)) == 0
    assert sorted(Reminder.objects.values_list("guardian_id", flat=True)) == sorted(
        [cast.family_a.pk, father.user_id]
    )
    assert not Notification.objects.filter(recipient=former.user).exists()
    assert not Delivery.objects.filter(to_address=former.user.email).exists()
    assert not Notification.objects.filter(recipient=cast.family_b).exists()  # another child's family


def test_reminder_emails_carry_no_clinical_detail(cast, appointment):
    run_at(at(2026, 12, 3, 10))
    with time_machine.travel(at(2026, 12, 4, 9), tick=False):
        services.appointment_move(
            actor=cast.nurse_a,
            appointment=appointment,
            starts_at=at(2026, 12, 11, 9),
            ends_at=at(2026, 12, 11, 10),
        )
        services.appointment_cancel(
            actor=cast.nurse_a,
            appointment=appointment,
            cancelled_by="hospital",
            reason="Theatre list cancelled",
        )
    emails = list(Delivery.objects.filter(to_address=cast.family_a.email))
    assert len(emails) == 3  # week before, moved, cancelled
    forbidden = [
        "lumbar",
        "puncture",
        "Day Surgery",
        "Nil by mouth",
        "Safeguarding",
        "Theatre",
        cast.child_a.given_name,
        cast.child_a.family_name,
        cast.child_a.hospital_number,
    ]
    for email in emails:
        text = f"{email.subject}\n{email.body}"
        assert not [word for word in forbidden if word.lower() in text.lower()], text
        assert "/portal/" in email.body


def test_a_reminder_is_not_marked_sent_when_writing_it_to_the_outbox_fails(cast, appointment):
    with (
        mock.patch(
            "apps.scheduling.services.reminders.notifications_create_bulk",
            side_effect=RuntimeError("database went away"),
        ),
        pytest.raises(RuntimeError),
    ):
        run_at(at(2026, 12, 3, 10))
    assert not Reminder.objects.exists()
    assert run_at(at(2026, 12, 3, 10, 5)) == 1  # the next run sends it
    assert Notification.objects.filter(recipient=cast.family_a, kind="appointment_week_before").count() == 1
