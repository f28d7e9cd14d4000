"""Booking: clash refusals and the override, cancelled and touching appointments, attendance and DNA."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import StaffProfile, Team
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory
from . import at, book

Kind = Appointment.Kind


@pytest.fixture
def neurologist(db):
    return StaffFactory(
        full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )


def written() -> tuple[int, int]:
    return Appointment.objects.count(), AppointmentEvent.objects.count()


# --- Clash guards ---------------------------------------------------------------------------------


def test_a_child_cannot_be_double_booked(cast):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), minutes=60, kind=Kind.MRI)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9, 30), kind=Kind.NEUROLOGY_CLINIC)
    assert refused.value.code == "clash" and "starts_at" in refused.value.fields
    message = refused.value.fields["starts_at"][0]
    assert "The child already has an appointment (MRI scan) at 09:00 on 01 Dec 2026" in message
    assert "give a reason" in message
    assert written() == before


def test_a_clinician_cannot_be_double_booked(cast, neurologist):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 14), clinician=neurologist)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        book(cast.nurse_a, cast.child_b, at(2026, 12, 1, 14, 45), clinician=neurologist)
    message = refused.value.fields["starts_at"][0]
    assert "Dr Ceri Neuro already has an appointment (Neurology clinic) at 14:00 on 01 Dec 2026" in message
    assert cast.child_a.given_name not in message  # another child's name is not disclosed
    assert written() == before


def test_the_message_names_every_clashing_appointment(cast, neurologist):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), kind=Kind.MRI)
    book(cast.nurse_a, cast.child_b, at(2026, 12, 1, 10), clinician=neurologist)
    with pytest.raises(ApplicationError) as refused:
        book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9, 30), clinician=neurologist)
    message = refused.value.fields["starts_at"][0]
    assert "(MRI scan) at 09:00" in message and "(Neurology clinic) at 10:00" in message


def test_a_clash_is_booked_when_overridden_with_a_reason(cast, neurologist):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), clinician=neurologist)
    joint = book(
        cast.nurse_a,
        cast.child_a,
        at(2026, 12, 1, 9),
        kind=Kind.ONCOLOGY_CLINIC,
        clinician=neurologist,
        override_reason="  Joint neurology and oncology clinic  ",
    )
    assert joint.clash_override_reason == "Joint neurology and oncology clinic"
    assert Appointment.objects.filter(patient=cast.child_a).count() == 2


def test_a_blank_override_reason_is_no_override(cast):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9))
    with pytest.raises(ApplicationError):
        book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), override_reason="   ")
    assert Appointment.objects.count() == 1


def test_touching_appointments_do_not_clash(cast, neurologist):
    book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), minutes=60, clinician=neurologist)
    after = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 10), minutes=30, clinician=neurologist)
    before = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 8, 30), minutes=30, clinician=neurologist)
    assert after.clash_override_reason == before.clash_override_reason == ""
    assert Appointment.objects.count() == 3


def test_cancelled_appointments_never_clash(cast, neurologist):
    first = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), clinician=neurologist)
    services.appointment_cancel(
        actor=cast.nurse_a,
        appointment=first,
        cancelled_by=Appointment.CancelledBy.FAMILY,
        reason="Family on holiday",
    )
    again = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), clinician=neurologist)
    assert again.clash_override_reason == ""
    assert not services.clashes(
        patient=cast.child_b, clinician=neurologist, starts_at=first.starts_at, ends_at=first.ends_at
    ).filter(pk=first.pk)


def test_moving_onto_another_appointment_is_refused_and_changes_nothing(cast):
    mri = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), kind=Kind.MRI)
    clinic = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 11))
    with pytest.raises(ApplicationError) as refused:
        services.appointment_move(
            actor=cast.nurse_a, appointment=clinic, starts_at=mri.starts_at, ends_at=mri.ends_at
        )
    assert "(MRI scan) at 09:00" in refused.value.fields["starts_at"][0]
    clinic.refresh_from_db()
    assert (clinic.starts_at, clinic.sequence) == (at(2026, 12, 1, 11), 0)
    assert not clinic.events.filter(kind=AppointmentEvent.Kind.RESCHEDULED).exists()


def test_an_appointment_moved_within_its_own_slot_does_not_clash_with_itself(cast):
    clinic = book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), minutes=60)
    moved = services.appointment_move(
        actor=cast.nurse_a,
        appointment=clinic,
        starts_at=at(2026, 12, 1, 9, 30),
        ends_at=at(2026, 12, 1, 10, 30),
    )
    assert (moved.starts_at, moved.sequence, moved.status) == (at(2026, 12, 1, 9, 30), 1, "booked")
    event = moved.events.get(kind=AppointmentEvent.Kind.RESCHEDULED)
    assert event.previous_starts_at == at(2026, 12, 1, 9)


def test_a_family_cannot_book(cast):
    with pytest.raises(PermissionDenied) as refused:
        book(cast.family_a, cast.child_a, at(2026, 12, 1, 9))
    assert isinstance(refused.value, PermissionDenied)
    assert Appointment.objects.count() == 0


def test_the_end_must_be_after_the_start(cast):
    with pytest.raises(ValidationError) as refused:
        book(cast.nurse_a, cast.child_a, at(2026, 12, 1, 9), minutes=0)
    assert "ends_at" in refused.value.message_dict
    assert Appointment.objects.count() == 0


# --- Attendance ----------------------------------------------------------------------------------


@pytest.fixture
def accepted_referral(cast, neurologist):
    referral = referrals.referral_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        target_team=Team.objects.get(code="neurology"),
        reason="Worsening ataxia; please review.",
    )
    return referrals.referral_accept(actor=neurologist, referral=referral)


def test_booking_for_a_referral_marks_it_booked_and_attending_marks_it_seen(
    cast, neurologist, accepted_referral, time_machine
):
    appointment = book(
        neurologist, cast.child_a, at(2026, 12, 2, 9), clinician=neurologist, referral=accepted_referral
    )
    accepted_referral.refresh_from_db()
    assert accepted_referral.status == Referral.Status.BOOKED
    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    services.appointment_attended(actor=neurologist, appointment=appointment)
    accepted_referral.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED
    assert accepted_referral.status == Referral.Status.SEEN
    assert accepted_referral.seen_at is not None
    assert list(appointment.events.values_list("kind", flat=True)) == ["booked", "attended"]


def test_a_booking_for_another_childs_referral_is_refused(cast, neurologist, accepted_referral):
    with pytest.raises(ValidationError) as refused:
        book(neurologist, cast.child_b, at(2026, 12, 2, 9), referral=accepted_referral)
    assert "referral" in refused.value.message_dict
    accepted_referral.refresh_from_db()
    assert accepted_referral.status == Referral.Status.ACCEPTED


def test_a_cancelled_appointment_cannot_be_marked_attended(cast):
    appointment = book(cast.nurse_a, cast.child_a, at(2026, 12, 2, 9))
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=appointment, cancelled_by="hospital", reason="Clinic closed"
    )
    with pytest.raises(ApplicationError) as refused:
        services.appointment_attended(actor=cast.nurse_a, appointment=appointment)
    assert refused.value.code == "illegal_transition"


def test_did_not_attend_opens_one_task_for_the_named_nurse(cast, time_machine):
    appointment = book(cast.nurse_a, cast.child_a, at(2026, 12, 2, 9), kind=Kind.MRI)
    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    services.appointment_did_not_attend(actor=cast.admin, appointment=appointment)
    task = Task.objects.get(source=Task.Source.DID_NOT_ATTEND)
    assert task.assignee == cast.nurse_a
    assert task.patient == cast.child_a
    assert task.source_key == f"appointment:{appointment.pk}:dna"
    assert task.priority == Task.Priority.HIGH
    assert "missed mri scan" in task.title.lower()

    with pytest.raises(ApplicationError) as refused:  # a second click is refused, not a second task
        services.appointment_did_not_attend(actor=cast.admin, appointment=appointment)
    assert refused.value.code == "illegal_transition"
    assert Task.objects.filter(source=Task.Source.DID_NOT_ATTEND).count() == 1
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.DID_NOT_ATTEND


def test_did_not_attend_without_a_named_nurse_goes_to_the_nursing_queue(cast, time_machine):
    orphan = PatientFactory(named_nurse=None)
    appointment = book(cast.nurse_a, orphan, at(2026, 12, 2, 9))
    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    services.appointment_did_not_attend(actor=cast.nurse_a, appointment=appointment)
    task = Task.objects.get(source_key=f"appointment:{appointment.pk}:dna")
    assert (task.assignee, task.team.code) == (None, "nursing")


def test_confirming_needs_a_booked_appointment_and_a_family_may_confirm_their_own(cast):
    appointment = book(cast.nurse_a, cast.child_a, at(2026, 12, 2, 9))
    with pytest.raises(PermissionDenied) as refused:
        services.appointment_confirm(actor=cast.family_b, appointment=appointment)
    assert isinstance(refused.value, PermissionDenied)
    confirmed = services.appointment_confirm(actor=cast.family_a, appointment=appointment)
    assert confirmed.status == Appointment.Status.CONFIRMED
    with pytest.raises(ApplicationError):
        services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)
    assert appointment.events.filter(kind="confirmed").count() == 1
