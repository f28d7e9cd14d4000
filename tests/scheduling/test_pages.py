"""The scheduling pages: the appointments tab and booking, htmx status actions, series, the clinic
list, the calendar feeds, and what a family may (and may never) see."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent, CalendarFeed, TreatmentSeries

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory, TeamFactory

INTERNAL = "INTERNAL-ONLY-7f3a: mum struggling, safeguarding discussed"
STAFF_ONLY_PREP = "STAFF-ONLY-APPOINTMENT-c21b"


def _at(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _book(actor, patient, starts_at, minutes=30, **details):
    return services.appointment_book(
        actor=actor,
        patient=patient,
        kind=details.pop("kind", Appointment.Kind.NEUROLOGY_CLINIC),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        **details,
    )


def _tab(cast, suffix=""):
    return f"/patients/{cast.child_a.pk}/appointments/{suffix}"


def _booking(starts_at, **extra):
    data = {
        "book-kind": Appointment.Kind.MRI,
        "book-starts_at": _local(starts_at),
        "book-duration_minutes": "45",
        "book-location": "Radiology, level 2",
        "book-preparation_notes": "Nil by mouth from 7am",
        "book-internal_notes": "Needs a GA slot",
        "book-family_visible": "on",
    }
    return {**data, **{f"book-{k}": v for k, v in extra.items()}}


# Booking


def test_booking_through_the_page_writes_the_appointment(client_for, cast):
    client = client_for(cast.nurse_a)
    starts_at = _at(5, 9, 30)

    response = client.post(_tab(cast, "book/"), _booking(starts_at))

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient == cast.child_a
    assert appointment.kind == Appointment.Kind.MRI
    assert appointment.starts_at == starts_at
    assert appointment.ends_at == starts_at + datetime.timedelta(minutes=45)
    assert str(timezone.localtime(appointment.starts_at).tzinfo) == "Europe/London"
    assert appointment.preparation_notes == "Nil by mouth from 7am"
    assert appointment.internal_notes == "Needs a GA slot"
    assert appointment.family_visible is True
    assert appointment.created_by == cast.nurse_a
    page = client.get(_tab(cast))
    assert page.status_code == 200
    assert b"Needs a GA slot" in page.content  # staff see internal notes
    assert b"Nil by mouth from 7am" in page.content
    assert b'aria-current="page">Caseload' in page.content  # a child's record, not the schedule


def test_booking_reads_the_time_as_london_time_in_summer(client_for, cast):
    client = client_for(cast.nurse_a)
    year = timezone.localdate().year + 1
    client.post(_tab(cast, "book/"), {**_booking(_at(1)), "book-starts_at": f"{year}-07-01T09:00"})
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime.datetime(year, 7, 1, 8, 0, tzinfo=datetime.UTC)  # BST


def test_booking_with_an_end_time_instead_of_a_length(client_for, cast):
    client = client_for(cast.nurse_a)
    starts_at = _at(3, 14)
    data = _booking(starts_at, duration_minutes="", ends_at=_local(starts_at + datetime.timedelta(hours=4)))
    assert client.post(_tab(cast, "book/"), data).status_code == 302
    assert Appointment.objects.get().ends_at == starts_at + datetime.timedelta(hours=4)


def test_booking_with_htmx_refreshes_the_list(client_for, cast):
    client = client_for(cast.nurse_a)
    response = client.post(_tab(cast, "book/"), _booking(_at(2)), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#appointments-body"
    assert b"Booked: MRI scan" in response.content
    assert Appointment.objects.count() == 1
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="appointments").count() == 1


def test_an_invalid_booking_is_a_400_with_the_message_next_to_the_field(client_for, cast):
    client = client_for(cast.nurse_a)
    response = client.post(_tab(cast, "book/"), _booking(_at(2), kind="", duration_minutes=""))
    assert response.status_code == 400
    form = response.context["book"].form
    assert "kind" in form.errors and "duration_minutes" in form.errors
    assert not Appointment.objects.exists()


def test_a_clash_is_shown_next_to_the_start_field_and_nothing_is_written(client_for, cast):
    first = _book(cast.nurse_a, cast.child_a, _at(4, 10), minutes=60)
    client = client_for(cast.nurse_a)

    response = client.post(_tab(cast, "book/"), _booking(_at(4, 10, 30)), HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_book-starts_at_error"' in html
    assert "The child already has an appointment (Neurology clinic) at 10:00" in html
    assert "To book anyway, give a reason." in html
    assert 'name="book-override_reason"' in html  # the "book anyway" field appears only now
    assert list(Appointment.objects.all()) == [first]


def test_the_book_anyway_field_is_hidden_until_a_clash(client_for, cast):
    response = client_for(cast.nurse_a).get(_tab(cast))
    assert b"book-override_reason" not in response.content


def test_booking_anyway_with_a_reason_writes_the_appointment(client_for, cast):
    _book(cast.nurse_a, cast.child_a, _at(4, 10), minutes=60)
    client = client_for(cast.nurse_a)

    response = client.post(
        _tab(cast, "book/"), _booking(_at(4, 10, 30), override_reason="Joint clinic with oncology")
    )

    assert response.status_code == 302
    assert Appointment.objects.count() == 2
    assert Appointment.objects.get(kind=Appointment.Kind.MRI).clash_override_reason == (
        "Joint clinic with oncology"
    )


def test_a_clinician_clash_is_refused_too(client_for, cast):
    other_child = PatientFactory(named_nurse=cast.nurse_a)
    _book(cast.nurse_a, other_child, _at(6, 11), clinician=cast.nurse_a)
    client = client_for(cast.nurse_a)
    response = client.post(_tab(cast, "book/"), _booking(_at(6, 11), clinician=str(cast.nurse_a.pk)))
    assert response.status_code == 400
    assert "Nina Nurse already has an appointment (Neurology clinic) at 11:00" in response.content.decode()
    assert Appointment.objects.count() == 1


# Status actions through htmx


def _act(client, appointment, action, data=None, view="patient"):
    payload = {"expected_status": appointment.status, "view": view, **(data or {})}
    return client.post(f"/appointments/{appointment.pk}/{action}/", payload, HTTP_HX_REQUEST="true")


def test_moving_with_htmx_swaps_the_row(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9), minutes=60)
    client = client_for(cast.nurse_a)
    new_start = _at(9, 13, 15)

    response = _act(
        client,
        appointment,
        "move",
        {
            f"move-{appointment.pk}-starts_at": _local(new_start),
            f"move-{appointment.pk}-duration_minutes": "90",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article class="item appointment" id="appointment-{appointment.pk}"')
    assert "Moved to 13:15" in html
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start
    assert appointment.ends_at == new_start + datetime.timedelta(minutes=90)
    assert appointment.sequence == 1
    assert appointment.events.filter(kind=AppointmentEvent.Kind.RESCHEDULED).exists()
    assert (
        AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a, what="appointments").count() == 1
    )


def test_moving_onto_a_clash_shows_the_message_and_the_book_anyway_field(client_for, cast):
    _book(cast.nurse_a, cast.child_a, _at(8, 14), minutes=60)
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9), minutes=60)
    client = client_for(cast.nurse_a)
    prefix = f"move-{appointment.pk}"
    data = {f"{prefix}-starts_at": _local(_at(8, 14, 30)), f"{prefix}-duration_minutes": "30"}

    refused = _act(client, appointment, "move", data)

    assert refused.status_code == 400
    assert f'id="id_{prefix}-starts_at_error"' in refused.content.decode()
    assert f'name="{prefix}-override_reason"' in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == _at(8, 9)

    moved = _act(
        client, appointment, "move", {**data, f"{prefix}-override_reason": "Back-to-back on purpose"}
    )
    assert moved.status_code == 200
    appointment.refresh_from_db()
    assert appointment.starts_at == _at(8, 14, 30)


def test_cancelling_with_htmx_records_who_and_why(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    client = client_for(cast.nurse_a)
    prefix = f"cancel-{appointment.pk}"

    response = _act(
        client,
        appointment,
        "cancel",
        {f"{prefix}-cancelled_by": "family", f"{prefix}-reason": "Poorly with a cold"},
    )

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == Appointment.CancelledBy.FAMILY
    assert appointment.cancel_reason == "Poorly with a cold"
    assert b"Cancelled by the family: Poorly with a cold" in response.content


def test_cancelling_needs_who_and_a_reason(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    response = _act(client_for(cast.nurse_a), appointment, "cancel", {})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_cancel-{appointment.pk}-reason_error"' in html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_confirm_attended_and_did_not_attend_with_htmx(client_for, cast):
    future = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    earlier = _book(cast.nurse_a, cast.child_a, timezone.now() - datetime.timedelta(hours=3))
    missed = _book(cast.nurse_a, cast.child_a, timezone.now() - datetime.timedelta(days=2))
    client = client_for(cast.nurse_a)

    assert _act(client, future, "confirm").status_code == 200
    assert _act(client, earlier, "attended").status_code == 200
    assert _act(client, missed, "did-not-attend").status_code == 200

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {future.pk: "confirmed", earlier.pk: "attended", missed.pk: "did_not_attend"}


def test_a_stale_action_is_refused_without_changing_anything(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    client = client_for(cast.nurse_a)
    services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)

    response = client.post(
        f"/appointments/{appointment.pk}/confirm/",
        {"expected_status": "booked", "view": "patient"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    assert b"someone changed it a moment ago" in response.content
    assert appointment.events.filter(kind=AppointmentEvent.Kind.CONFIRMED).count() == 1


def test_future_appointments_offer_no_attended_button(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    html = client_for(cast.nurse_a).get(_tab(cast)).content.decode()
    assert f"/appointments/{appointment.pk}/confirm/" in html
    assert f"/appointments/{appointment.pk}/attended/" not in html


def test_an_unknown_action_is_a_404(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    assert _act(client_for(cast.nurse_a), appointment, "delete").status_code == 404


# Series


def test_booking_a_series_from_a_treatment_course(client_for, cast):
    from apps.pathways.models import TreatmentCourse

    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    course = TreatmentCourse.objects.create(
        patient=cast.child_a,
        agent="ivig",
        status="active",
        start_date=timezone.localdate(),
        prescriber=consultant,
    )
    client = client_for(cast.nurse_a)
    url = f"/patients/{cast.child_a.pk}/series/new/"
    assert client.get(f"{url}?course={course.pk}").context["form"]["course"].value() == course.pk

    response = client.post(
        url,
        {
            "course": str(course.pk),
            "title": "",
            "kind": Appointment.Kind.INFUSION,
            "first_starts_at": _local(_at(3, 8, 30)),
            "interval_days": "28",
            "count": "6",
            "duration_minutes": "240",
            "location": "Day unit",
            "preparation_notes": "Bring a snack",
        },
    )

    series = TreatmentSeries.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/series/{series.pk}/"
    assert series.course == course and series.title == "IVIG every 4 weeks"
    assert series.appointments.count() == 6
    page = client.get(f"/series/{series.pk}/")
    assert page.status_code == 200
    assert len(page.context["occurrences"]) == 6


def test_a_series_that_clashes_books_nothing_and_offers_book_anyway(client_for, cast):
    _book(cast.nurse_a, cast.child_a, _at(31, 9), minutes=60)
    client = client_for(cast.nurse_a)
    data = {
        "title": "IVIG",
        "kind": Appointment.Kind.INFUSION,
        "first_starts_at": _local(_at(3, 8, 30)),
        "interval_days": "28",
        "count": "3",
        "duration_minutes": "240",
    }

    response = client.post(f"/patients/{cast.child_a.pk}/series/new/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Appointment 2: The child already has an appointment (Neurology clinic)" in html
    assert 'name="override_reason"' in html
    assert not TreatmentSeries.objects.exists()
    assert Appointment.objects.count() == 1


def _series(cast, count=4):
    return services.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="Dexamethasone pulses",
        interval_days=28,
        count=count,
        first_starts_at=_at(7, 9),
        duration_minutes=180,
    )


def test_moving_this_and_following_in_a_series_with_htmx(client_for, cast):
    series = _series(cast)
    second = series.appointments.get(series_index=2)
    client = client_for(cast.nurse_a)
    prefix = f"move-{second.pk}"

    response = client.post(
        f"/series/{series.pk}/appointments/{second.pk}/move/",
        {
            f"{prefix}-starts_at": _local(second.starts_at + datetime.timedelta(days=2)),
            f"{prefix}-and_following": "true",
        },
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#series-body"
    assert b"3 appointments moved" in response.content
    starts = dict(series.appointments.values_list("series_index", "starts_at"))
    assert starts[1] == _at(7, 9)
    assert starts[2] == _at(7 + 28 + 2, 9) and starts[4] == _at(7 + 84 + 2, 9)


def test_moving_only_this_one_in_a_series(client_for, cast):
    series = _series(cast)
    third = series.appointments.get(series_index=3)
    prefix = f"move-{third.pk}"
    response = client_for(cast.nurse_a).post(
        f"/series/{series.pk}/appointments/{third.pk}/move/",
        {
            f"{prefix}-starts_at": _local(third.starts_at + datetime.timedelta(days=1)),
            f"{prefix}-and_following": "false",
        },
    )
    assert response.status_code == 302
    starts = dict(series.appointments.values_list("series_index", "starts_at"))
    assert starts[3] == _at(7 + 56 + 1, 9) and starts[4] == _at(7 + 84, 9)


def test_stopping_a_series_cancels_the_rest(client_for, cast):
    series = _series(cast)
    response = client_for(cast.nurse_a).post(
        f"/series/{series.pk}/stop/", {"stop-reason": "Course stopped: in remission"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"4 future appointments cancelled" in response.content
    series.refresh_from_db()
    assert series.status == TreatmentSeries.Status.ENDED
    assert set(series.appointments.values_list("status", flat=True)) == {"cancelled"}


def test_stopping_a_series_needs_a_reason(client_for, cast):
    series = _series(cast)
    response = client_for(cast.nurse_a).post(
        f"/series/{series.pk}/stop/", {"stop-reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    series.refresh_from_db()
    assert series.status == TreatmentSeries.Status.ACTIVE


# The clinic list and the overdue report


def test_the_clinic_list_shows_my_day_with_actions(client_for, cast):
    mine = _book(cast.nurse_a, cast.child_a, _at(0, 23, 0), clinician=cast.nurse_a)
    _book(cast.nurse_a, cast.child_a, _at(1, 9), clinician=cast.nurse_a)  # another day
    client = client_for(cast.nurse_a)

    response = client.get("/schedule/")

    assert response.status_code == 200
    assert [r.appointment for r in response.context["rows"]] == [mine]
    assert f"/appointments/{mine.pk}/confirm/".encode() in response.content
    assert b'aria-current="page">Schedule' in response.content
    tomorrow = client.get(f"/schedule/?day={_at(1).date().isoformat()}")
    assert len(tomorrow.context["rows"]) == 1
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="clinic list").count() == 2


def test_the_clinic_list_for_one_of_my_teams(client_for, cast):
    nursing = TeamFactory(code="nursing")
    oncology = TeamFactory(code="oncology")
    ours = _book(cast.nurse_a, cast.child_a, _at(2, 9), team=nursing)
    _book(cast.nurse_a, cast.child_a, _at(2, 11), team=oncology)
    client = client_for(cast.nurse_a)
    day = _at(2).date().isoformat()

    assert [r.appointment for r in client.get(f"/schedule/?day={day}&team={nursing.pk}").context["rows"]] == [
        ours
    ]
    not_mine = client.get(f"/schedule/?day={day}&team={oncology.pk}")
    assert not_mine.context["team"] is None  # not my team: my own clinic instead
    assert not_mine.context["rows"] == []


def test_a_clinic_list_status_action_swaps_the_clinic_row(client_for, cast):
    appointment = _book(cast.nurse_a, cast.child_a, _at(0, 23, 0), clinician=cast.nurse_a)
    response = _act(client_for(cast.nurse_a), appointment, "confirm", view="clinic")
    assert response.status_code == 200
    assert f"{cast.child_a.family_name.upper()}, Alice".encode() in response.content
    assert f"/patients/{cast.child_a.pk}/appointments/".encode() in response.content
    assert b"Marked confirmed." in response.content


def test_a_bad_day_falls_back_to_today(client_for, cast):
    response = client_for(cast.nurse_a).get("/schedule/?day=not-a-day")
    assert response.status_code == 200 and response.context["day"] == timezone.localdate()


def test_the_overdue_report_renders(client_for, cast):
    response = client_for(cast.nurse_a).get("/schedule/overdue-reviews/")
    assert response.status_code == 200
    assert b"Overdue re-evaluations" in response.content


# What a family sees


@pytest.fixture
def booked_for_a(cast):
    """A family-visible appointment with internal notes, and a staff-only one, for child A."""
    shared = _book(
        cast.nurse_a,
        cast.child_a,
        _at(5, 9),
        kind=Appointment.Kind.LUMBAR_PUNCTURE,
        location="Day unit, ward 4",
        preparation_notes="Nil by mouth from 7am",
        internal_notes=INTERNAL,
    )
    hidden = _book(
        cast.nurse_a,
        cast.child_a,
        _at(6, 9),
        kind=Appointment.Kind.PSYCHOLOGY,
        preparation_notes=STAFF_ONLY_PREP,
        internal_notes=INTERNAL,
        family_visible=False,
    )
    return shared, hidden


def _family_feed(client, cast):
    page = client.get(f"/portal/children/{cast.child_a.pk}/")
    return page.context["feed_url"].split("testserver", 1)[1]


def test_the_family_sees_upcoming_appointments_with_preparation_notes(client_for, cast, booked_for_a):
    shared, _ = booked_for_a
    response = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/")
    assert response.status_code == 200
    assert list(response.context["appointments"]) == [shared]
    html = response.content.decode()
    assert "Lumbar puncture" in html and "Nil by mouth from 7am" in html and "Day unit, ward 4" in html
    assert "Subscribe to the calendar" in html
    assert AccessEvent.objects.filter(user=cast.family_a, patient=cast.child_a).count() == 1


def test_a_family_never_sees_internal_notes_or_staff_only_appointments(client_for, cast, booked_for_a):
    shared, _ = booked_for_a
    services.appointment_move(
        actor=cast.nurse_a, appointment=shared, starts_at=_at(5, 11), ends_at=_at(5, 11, 30)
    )  # a notice to the family
    client = client_for(cast.family_a)
    pages = [
        client.get("/portal/", follow=True),
        client.get(f"/portal/children/{cast.child_a.pk}/"),
        client.get("/notifications/", follow=True),
        client.get(_family_feed(client, cast)),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert INTERNAL not in body
        assert "INTERNAL-ONLY" not in body
        assert STAFF_ONLY_PREP not in body
        assert "Psychology session" not in body
    assert b"has moved" in pages[2].content


def test_the_family_sees_a_cancelled_appointment_without_the_reason(client_for, cast, booked_for_a):
    shared, _ = booked_for_a
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=shared, cancelled_by="hospital", reason="Consultant off sick"
    )
    response = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/")
    html = response.content.decode()
    assert "Cancelled" in html and "will not go ahead" in html
    assert "Consultant off sick" not in html
    assert "Nil by mouth" not in html  # no preparation for an appointment that is not happening


def test_the_family_feed_is_a_calendar_of_family_visible_appointments(client, client_for, cast, booked_for_a):
    shared, _ = booked_for_a
    path = _family_feed(client_for(cast.family_a), cast)
    client.logout()

    response = client.get(path)  # no login needed

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{shared.uid}@carecoord"]
    assert "Nil by mouth" not in response.content.decode()


def test_an_unknown_token_is_a_404(client, cast):
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404


def test_making_a_new_family_link_revokes_the_old_one(client, client_for, cast, booked_for_a):
    family = client_for(cast.family_a)
    old_path = _family_feed(family, cast)

    response = family.post(f"/portal/children/{cast.child_a.pk}/", {"action": "new-calendar-link"})

    assert response.status_code == 302
    new_path = _family_feed(family, cast)
    assert new_path != old_path
    assert CalendarFeed.objects.filter(owner=cast.family_a, revoked_at__isnull=True).count() == 1
    client.logout()
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200


def test_the_portal_refuses_other_posts(client_for, cast):
    response = client_for(cast.family_a).post(f"/portal/children/{cast.child_a.pk}/", {"action": "other"})
    assert response.status_code == 400
    assert not CalendarFeed.objects.exists()


def test_a_family_cannot_make_a_link_through_another_childs_page(client_for, cast):
    response = client_for(cast.family_b).post(
        f"/portal/children/{cast.child_a.pk}/", {"action": "new-calendar-link"}
    )
    assert response.status_code == 404
    assert not CalendarFeed.objects.exists()


def test_staff_feed_and_regenerating_it(client, client_for, cast):
    mine = _book(cast.nurse_a, cast.child_a, _at(2, 9), clinician=cast.nurse_a, internal_notes=INTERNAL)
    staff = client_for(cast.nurse_a)
    page = staff.get("/schedule/calendar/")
    assert page.status_code == 200
    old_path = page.context["feed_url"].split("testserver", 1)[1]
    assert page.context["webcal_url"].startswith("webcal://")

    assert staff.post("/schedule/calendar/new-link/").status_code == 302
    new_path = staff.get("/schedule/calendar/").context["feed_url"].split("testserver", 1)[1]
    client.logout()

    assert client.get(old_path).status_code == 404
    feed = client.get(new_path)
    assert feed.status_code == 200
    assert [str(e["UID"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")] == [
        f"{mine.uid}@carecoord"
    ]
    assert INTERNAL not in feed.content.decode()


def test_an_inactive_owners_feed_is_a_404(client, cast):
    feed = services.calendar_feed_for(owner=cast.family_a)
    cast.family_a.is_active = False
    cast.family_a.save(update_fields=["is_active"])
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404


# Who may reach which page


@pytest.mark.parametrize(
    ("subject", "status"),
    [("family_a", 404), ("family_b", 404), ("nurse_other", 404), ("nurse_a", 200), ("nurse_glass", 200)],
)
def test_the_appointment_pages_are_staff_only_and_scoped(client_for, cast, subject, status):
    appointment = _book(cast.nurse_a, cast.child_a, _at(8, 9))
    series = _series(cast, count=2)
    client = client_for(getattr(cast, subject))
    for url in (_tab(cast), f"/patients/{cast.child_a.pk}/series/new/", f"/series/{series.pk}/"):
        assert client.get(url).status_code == status, url
    writes = [
        (_tab(cast, "book/"), _booking(_at(20))),
        (f"/appointments/{appointment.pk}/confirm/", {}),
        (
            f"/appointments/{appointment.pk}/cancel/",
            {f"cancel-{appointment.pk}-cancelled_by": "hospital", f"cancel-{appointment.pk}-reason": "x"},
        ),
        (f"/series/{series.pk}/stop/", {"stop-reason": "Stopped"}),
    ]
    if status == 404:
        for url, data in writes:
            assert client.post(url, data).status_code == 404, url
        assert Appointment.objects.count() == 3
        assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}


@pytest.mark.parametrize("subject", ["family_a", "family_b"])
def test_families_get_404_on_the_staff_schedule(client_for, cast, subject):
    client = client_for(getattr(cast, subject))
    for url in ("/schedule/", "/schedule/overdue-reviews/", "/schedule/calendar/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/schedule/calendar/new-link/").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_staff_get_404_on_the_family_portal(client_for, cast):
    assert client_for(cast.nurse_a).get(f"/portal/children/{cast.child_a.pk}/").status_code == 404


def test_the_appointments_tab_is_audited_once(client_for, cast):
    _book(cast.nurse_a, cast.child_a, _at(8, 9))
    client_for(cast.nurse_glass).get(_tab(cast))
    event = AccessEvent.objects.get(user=cast.nurse_glass, patient=cast.child_a)
    assert event.what == "appointments" and event.via_break_glass


# Query counts do not grow with the rows


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _fill(cast, n, clinician=None):
    children = [cast.child_a, *[PatientFactory(named_nurse=cast.nurse_a) for _ in range(2)]]
    for i in range(n):
        starts_at = _at(1, 0, 0) + datetime.timedelta(minutes=20 * i)
        appointment = _book(
            cast.nurse_a,
            children[i % 3],
            starts_at,
            minutes=15,
            clinician=clinician,
            team=TeamFactory(code="nursing"),
            internal_notes="note",
        )
        if i % 4 == 0:
            services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)


@pytest.fixture
def three_and_thirty(cast, client_for):
    def measure(url, clinician=None):
        client = client_for(cast.nurse_a)
        _fill(cast, 3, clinician)
        few = _queries(client, url)
        Appointment.objects.all().delete()
        _fill(cast, 30, clinician)
        return few, _queries(client, url)

    return measure


def test_the_appointments_tab_query_count_is_flat(cast, three_and_thirty):
    few, many = three_and_thirty(_tab(cast))
    assert many == few


def test_the_clinic_list_query_count_is_flat(cast, three_and_thirty):
    few, many = three_and_thirty(f"/schedule/?day={_at(1).date().isoformat()}", clinician=cast.nurse_a)
    assert many == few


def test_the_clinic_list_stays_within_a_bound(client_for, cast, django_assert_max_num_queries):
    _fill(cast, 30, cast.nurse_a)
    client = client_for(cast.nurse_a)
    with django_assert_max_num_queries(20):
        client.get(f"/schedule/?day={_at(1).date().isoformat()}")


def test_a_nurse_cannot_act_on_another_childs_appointment(client_for, cast):
    other = CareTeamMemberFactory(patient=cast.child_b).user
    appointment = _book(other, cast.child_b, _at(3, 9))
    assert _act(client_for(cast.nurse_a), appointment, "confirm").status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
