"""A family confirms an appointment, or says they can't make it (an event and one task for the nurse)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from . import book_in


def _url(cast, appointment, action):
    return f"/portal/children/{cast.child_a.pk}/appointments/{appointment.pk}/{action}/"


def test_a_family_confirms_from_the_portal(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 3)
    family = client_for(cast.family_a)
    page = family.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert "Confirm we will be there" in page and "I can't make it" in page

    response = family.post(_url(cast, appointment, "confirm"))

    assert response.status_code == 302
    assert response["Location"] == f"/portal/children/{cast.child_a.pk}/#appointment-{appointment.pk}"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    event = appointment.events.get(kind=AppointmentEvent.Kind.CONFIRMED)
    assert event.actor == cast.family_a
    page = family.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert "Confirm we will be there" not in page and "Confirmed" in page
    # A second confirmation is refused with a message, not an error page.
    again = family.post(_url(cast, appointment, "confirm"), follow=True)
    assert again.status_code == 200 and "cannot be marked confirmed" in again.content.decode()


def test_cant_make_it_records_the_event_and_opens_one_task_for_the_nurse(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5, location="Clinic 3")
    family = client_for(cast.family_a)
    form = family.get(_url(cast, appointment, "cant-make-it"))
    assert form.status_code == 200 and "Clinic 3" in form.content.decode()

    response = family.post(
        _url(cast, appointment, "cant-make-it"), {"reason": "Sports day; any Friday works"}
    )

    assert response.status_code == 302
    event = appointment.events.get(kind=AppointmentEvent.Kind.FAMILY_CANT_MAKE_IT)
    assert event.actor == cast.family_a and event.note == "Sports day; any Friday works"
    task = Task.objects.get()
    assert task.assignee == cast.nurse_a and task.patient == cast.child_a
    assert task.source_key == f"appointment:{appointment.pk}:cant-make-it"
    assert task.get_source_display() == "Family can't make it"  # the portal made it, not a person
    assert "Sports day" in task.detail
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED  # staff move or cancel it, not the family
    page = family.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert "You told us you can't make this appointment" in page
    # The staff appointments tab shows it in the history.
    staff = client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/appointments/").content.decode()
    assert "Family cannot make it" in staff


def test_saying_it_twice_opens_one_task(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5)
    family = client_for(cast.family_a)
    family.post(_url(cast, appointment, "cant-make-it"), {"reason": ""})
    family.post(_url(cast, appointment, "cant-make-it"), {"reason": "again"})
    assert Task.objects.count() == 1
    assert appointment.events.filter(kind=AppointmentEvent.Kind.FAMILY_CANT_MAKE_IT).count() == 1


def test_after_a_move_the_family_can_say_it_again(cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5)
    services.appointment_family_cannot_attend(actor=cast.family_a, appointment=appointment, reason="")
    start = timezone.now() + datetime.timedelta(days=9)
    moved = services.appointment_move(
        actor=cast.nurse_a,
        appointment=appointment,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    services.appointment_family_cannot_attend(actor=cast.family_a, appointment=moved, reason="still no")
    assert Task.objects.count() == 2


def test_the_named_nurse_is_told_or_else_the_nursing_queue(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_b, 5)  # child B has no named nurse
    response = client_for(cast.family_b).post(
        f"/portal/children/{cast.child_b.pk}/appointments/{appointment.pk}/cant-make-it/", {"reason": ""}
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee is None and task.team.code == "nursing"


def test_a_too_long_reason_is_a_400(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5)
    response = client_for(cast.family_a).post(_url(cast, appointment, "cant-make-it"), {"reason": "x" * 301})
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_a_past_or_cancelled_appointment_cannot_be_changed(client_for, cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5)
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=appointment, cancelled_by="hospital", reason="x"
    )
    family = client_for(cast.family_a)
    assert family.post(_url(cast, appointment, "cant-make-it"), {"reason": ""}).status_code == 302
    with pytest.raises(ApplicationError) as exc:
        services.appointment_family_cannot_attend(actor=cast.family_a, appointment=appointment, reason="")
    assert exc.value.code == "illegal_transition"
    assert not Task.objects.exists()


def test_staff_only_and_other_childrens_appointments_are_404(client_for, cast):
    hidden = book_in(cast.nurse_a, cast.child_a, 5, family_visible=False)
    theirs = book_in(cast.nurse_a, cast.child_b, 6)
    family = client_for(cast.family_a)
    for appointment in (hidden, theirs):
        for action in ("confirm", "cant-make-it"):
            assert family.post(_url(cast, appointment, action), {"reason": ""}).status_code == 404
    # Another child's appointment through that child's own URL is still not this family's.
    assert (
        family.post(f"/portal/children/{cast.child_b.pk}/appointments/{theirs.pk}/confirm/").status_code
        == 404
    )
    other = client_for(cast.family_b)
    mine = book_in(cast.nurse_a, cast.child_a, 7)
    for action in ("confirm", "cant-make-it"):
        assert other.post(_url(cast, mine, action), {"reason": ""}).status_code == 404
    assert not Task.objects.exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}


def test_staff_cannot_use_the_family_service(cast):
    appointment = book_in(cast.nurse_a, cast.child_a, 5)
    with pytest.raises(PermissionDenied) as exc:
        services.appointment_family_cannot_attend(actor=cast.nurse_a, appointment=appointment, reason="")
    assert isinstance(exc.value, PermissionDenied)
