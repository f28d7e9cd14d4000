"""iCalendar feeds: parsed back with icalendar; stable UIDs, SEQUENCE, STATUS, and nothing clinical."""

import pytest
from icalendar import Calendar

from apps.accounts.models import StaffProfile, User
from apps.patients import services as patients
from apps.scheduling import services
from apps.scheduling.models import Appointment, CalendarFeed
from apps.scheduling.services.feeds import feed_appointments

from ..factories import CareTeamMemberFactory, StaffFactory
from . import at, book

SECRETS = ("Nil by mouth", "Safeguarding", "social worker")


@pytest.fixture
def neurologist(cast):
    """On child A's care team: a clinician's feed shows only children they look after."""
    user = StaffFactory(
        full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


@pytest.fixture
def booked(cast, neurologist):
    """Child A: a family-visible lumbar puncture and a staff-only case review; child B: an MRI."""
    return {
        "lp": book(
            cast.nurse_a,
            cast.child_a,
            at(2026, 12, 10, 10),
            kind=Appointment.Kind.LUMBAR_PUNCTURE,
            clinician=neurologist,
            location="Day Surgery Unit, Level 2",
            preparation_notes="Nil by mouth from 7am",
            internal_notes="Safeguarding: speak to the social worker first",
        ),
        "staff_only": book(
            cast.nurse_a,
            cast.child_a,
            at(2026, 12, 11, 12),
            kind=Appointment.Kind.NURSE_VIDEO,
            family_visible=False,
        ),
        "other_child": book(cast.nurse_a, cast.child_b, at(2026, 12, 10, 10), kind=Appointment.Kind.MRI),
    }


def parse(feed: CalendarFeed) -> tuple[bytes, dict[str, dict]]:
    """The raw feed, and its events by UID (each with the parsed properties we check)."""
    raw = services.feed_ics(feed)
    calendar = Calendar.from_ical(raw)
    events = {}
    for event in calendar.walk("VEVENT"):
        events[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]),
            "start": event["DTSTART"],
            "end": event["DTEND"],
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "location": str(event.get("LOCATION", "")),
            "keys": set(event.keys()),
        }
    return raw, events


def uid(appointment: Appointment) -> str:
    return f"{appointment.uid}@carecoord"


def test_a_family_feed_has_only_their_childs_family_visible_appointments(cast, booked):
    raw, events = parse(services.calendar_feed_for(owner=cast.family_a))
    assert list(events) == [uid(booked["lp"])]
    lp = events[uid(booked["lp"])]
    assert lp["summary"] == f"{cast.child_a.given_name}: Lumbar puncture"
    assert lp["location"] == "Day Surgery Unit, Level 2"
    assert (lp["sequence"], lp["status"]) == (0, "TENTATIVE")  # booked, not yet confirmed
    assert b"Nurse review" not in raw and b"MRI" not in raw


def test_the_feed_carries_no_notes_and_no_clinical_detail(cast, booked, neurologist):
    for owner in (cast.family_a, neurologist):
        raw, events = parse(services.calendar_feed_for(owner=owner))
        text = raw.decode()
        assert events
        assert not [secret for secret in SECRETS if secret.lower() in text.lower()], text
        assert "DESCRIPTION" not in text
        assert all(
            e["keys"] <= {"UID", "SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "SEQUENCE", "STATUS", "LOCATION"}
            for e in events.values()
        )


def test_times_are_in_utc_or_carry_a_time_zone(cast, booked):
    raw, events = parse(services.calendar_feed_for(owner=cast.family_a))
    lp = events[uid(booked["lp"])]
    for prop in (lp["start"], lp["end"]):
        assert prop.dt.tzinfo is not None
        assert prop.to_ical().endswith(b"Z") or "TZID" in prop.params
    assert lp["start"].dt == at(2026, 12, 10, 10)
    assert lp["end"].dt == at(2026, 12, 10, 11)
    assert b"DTSTART:20261210T100000Z" in raw  # 10:00 in London in December is 10:00 UTC


def test_a_summer_time_appointment_is_not_an_hour_out(cast):
    summer = book(cast.nurse_a, cast.child_a, at(2027, 7, 1, 9, 30))
    raw, events = parse(services.calendar_feed_for(owner=cast.family_a))
    assert events[uid(summer)]["start"].dt == at(2027, 7, 1, 9, 30)
    assert b"DTSTART:20270701T083000Z" in raw


def test_a_move_keeps_the_uid_and_raises_the_sequence(cast, booked):
    feed = services.calendar_feed_for(owner=cast.family_a)
    _, before = parse(feed)
    services.appointment_move(
        actor=cast.nurse_a,
        appointment=booked["lp"],
        starts_at=at(2026, 12, 17, 10),
        ends_at=at(2026, 12, 17, 11),
    )
    _, after = parse(feed)
    assert list(after) == list(before) == [uid(booked["lp"])]
    moved = after[uid(booked["lp"])]
    assert moved["sequence"] > before[uid(booked["lp"])]["sequence"]
    assert moved["start"].dt == at(2026, 12, 17, 10)


def test_a_cancellation_shows_as_cancelled_with_a_higher_sequence(cast, booked):
    feed = services.calendar_feed_for(owner=cast.family_a)
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=booked["lp"], cancelled_by="hospital", reason="Theatre list cancelled"
    )
    raw, events = parse(feed)
    cancelled = events[uid(booked["lp"])]
    assert (cancelled["status"], cancelled["sequence"]) == ("CANCELLED", 1)
    assert b"STATUS:CANCELLED" in raw
    assert b"Theatre" not in raw  # the reason stays out of the feed


def test_a_clinician_feed_has_their_own_appointments_without_names(cast, booked, neurologist):
    # Names no location or summary can contain (a random "Day" is in "Day Surgery Unit").
    cast.child_a.given_name, cast.child_a.family_name = "Xanthippe", "Quillfeather"
    cast.child_a.save(update_fields=["given_name", "family_name"])
    raw, events = parse(services.calendar_feed_for(owner=neurologist))
    assert list(events) == [uid(booked["lp"])]
    assert events[uid(booked["lp"])]["summary"] == "Lumbar puncture"
    assert cast.child_a.given_name.encode() not in raw and cast.child_a.family_name.encode() not in raw


def test_a_deactivated_guardians_feed_shows_nothing(cast, booked):
    feed = services.calendar_feed_for(owner=cast.family_a)
    patients.guardian_deactivate(actor=cast.nurse_a, guardian=cast.guardian_a)
    assert not feed_appointments(feed).exists()
    _, events = parse(feed)
    assert events == {}


def test_a_feed_of_an_inactive_owner_shows_nothing(cast, booked, neurologist):
    for owner in (cast.family_a, neurologist):
        feed = services.calendar_feed_for(owner=owner)
        User.objects.filter(pk=owner.pk).update(is_active=False)
        feed = CalendarFeed.objects.select_related("owner").get(pk=feed.pk)
        assert not feed_appointments(feed).exists()
        assert parse(feed)[1] == {}


def test_the_live_feed_is_reused_and_regenerating_revokes_the_old_one(cast):
    first = services.calendar_feed_for(owner=cast.family_a)
    assert services.calendar_feed_for(owner=cast.family_a) == first
    assert len(first.token) >= 40
    fresh = services.calendar_feed_regenerate(owner=cast.family_a)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert fresh.token != first.token and fresh.revoked_at is None
    assert services.calendar_feed_for(owner=cast.family_a) == fresh
    assert CalendarFeed.objects.filter(owner=cast.family_a, revoked_at__isnull=True).count() == 1
    assert services.calendar_feed_for(owner=cast.family_b) != fresh  # one feed per person


def test_a_clinician_feed_leaves_out_children_they_do_not_look_after(cast, booked, neurologist):
    from apps.patients.models import CareTeamMember

    CareTeamMember.objects.filter(user=neurologist).delete()
    _, events = parse(services.calendar_feed_for(owner=neurologist))
    assert events == {}
