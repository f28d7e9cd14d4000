"""Scheduling guards: who may book against a referral or confirm, attendance from the day, contact and reminder days."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling import services
from apps.scheduling.models import Appointment
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..factories import StaffFactory
from . import at


def _soon(days: int = 3) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def _book(actor, patient, start, **extra):
    return services.appointment_book(
        actor=actor,
        patient=patient,
        kind="oncology_clinic",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        **extra,
    )


def test_only_the_receiving_team_books_against_a_referral(cast):
    oncologist = StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])
    oncology = Team.objects.get(code="oncology")
    referral = referrals.referral_create(
        actor=cast.nurse_a, patient=cast.child_a, target_team=oncology, reason="Assess"
    )
    referral = referrals.referral_accept(actor=oncologist, referral=referral)
    with pytest.raises(PermissionDenied) as refused:
        _book(cast.nurse_a, cast.child_a, _soon(), referral=referral)
    assert str(refused.value) == "Only members of Oncology can book against this referral."
    assert not Appointment.objects.exists()
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.ACCEPTED


def test_attendance_cannot_be_recorded_before_the_day(cast):
    appointment = _book(cast.nurse_a, cast.child_a, _soon(10))
    for record in (services.appointment_attended, services.appointment_did_not_attend):
        with pytest.raises(ApplicationError) as refused:
            record(actor=cast.nurse_a, appointment=appointment)
        assert refused.value.code == "illegal_transition"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_family_cannot_confirm_a_staff_only_appointment(cast):
    staff_only = _book(cast.nurse_a, cast.child_a, _soon(), family_visible=False)
    with pytest.raises(PermissionDenied):
        services.appointment_confirm(actor=cast.family_a, appointment=staff_only)
    visible = _book(cast.nurse_a, cast.child_a, _soon(5))
    assert services.appointment_confirm(actor=cast.family_a, appointment=visible).status == "confirmed"
    with pytest.raises(PermissionDenied):
        services.appointment_confirm(actor=cast.family_b, appointment=visible)


def test_an_attended_appointment_counts_as_contact_on_the_caseload(cast, client, time_machine):
    appointment = _book(cast.nurse_a, cast.child_a, _soon(1))
    time_machine.move_to(appointment.starts_at, tick=False)
    services.appointment_attended(actor=cast.nurse_a, appointment=appointment)
    client.force_login(cast.nurse_a)
    row = client.get("/caseload/").context["rows"][0]
    assert row["days_since_contact"] == 0 and not row["stale_contact"]


def test_reminders_name_the_right_day(cast, time_machine):
    from apps.notifications.models import Notification

    time_machine.move_to(at(2026, 12, 1, 8), tick=False)
    _book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 16))  # later today
    _book(cast.nurse_a, cast.child_a, at(2026, 12, 4, 10))  # in three days
    services.reminders_send_due()
    titles = sorted(Notification.objects.filter(recipient=cast.family_a).values_list("title", flat=True))
    assert titles == [
        "Reminder: appointment in 3 days, Friday 4 December, 10:00am",
        "Reminder: appointment today, Tuesday 1 December, 4:00pm",
    ]


def test_an_appointment_kind_mid_sentence_keeps_its_capitals():
    from apps.scheduling.models import Appointment
    from apps.scheduling.services.appointments import _kind_phrase

    assert _kind_phrase(Appointment(kind=Appointment.Kind.INFUSION)) == "infusion day case (IVIG or pulse)"
    assert _kind_phrase(Appointment(kind=Appointment.Kind.MRI)) == "MRI scan"


# HAZ-13: "did not attend" and "attended" only from the appointment's start time, not earlier that day.


@pytest.mark.parametrize("record", ["appointment_attended", "appointment_did_not_attend"])
def test_attendance_cannot_be_recorded_before_the_start_time_on_the_day(cast, time_machine, record):
    time_machine.move_to(at(2026, 3, 10, 8, 0), tick=False)
    appointment = _book(cast.nurse_a, cast.child_a, at(2026, 3, 10, 14, 30))
    time_machine.move_to(at(2026, 3, 10, 14, 29), tick=False)
    with pytest.raises(ApplicationError) as refused:
        getattr(services, record)(actor=cast.nurse_a, appointment=appointment)
    assert refused.value.code == "illegal_transition"
    assert str(refused.value.message) == (
        f"This appointment starts at 14:30 on 10 Mar 2026; it can be marked "
        f"{'attended' if record == 'appointment_attended' else 'did not attend'} from then."
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert not Task.objects.filter(source=Task.Source.DID_NOT_ATTEND).exists()

    time_machine.move_to(at(2026, 3, 10, 14, 30), tick=False)
    assert (
        getattr(services, record)(actor=cast.nurse_a, appointment=appointment).status
        != Appointment.Status.BOOKED
    )


def test_the_appointments_page_offers_attendance_only_once_the_appointment_has_started(
    cast, client_for, time_machine
):
    time_machine.move_to(at(2026, 3, 10, 8, 0), tick=False)
    _book(cast.nurse_a, cast.child_a, at(2026, 3, 10, 14, 30))
    client = client_for(cast.nurse_a)
    assert b"Did not attend" not in client.get(f"/patients/{cast.child_a.pk}/appointments/").content
    time_machine.move_to(at(2026, 3, 10, 14, 31), tick=False)
    client = client_for(cast.nurse_a)  # a fresh session: the first one has been idle too long
    assert b"Did not attend" in client.get(f"/patients/{cast.child_a.pk}/appointments/").content
