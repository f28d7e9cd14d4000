"""The scheduling API: appointments, the clinic list, treatment series, review policies and the overdue
report. Each endpoint's happy path, clashes and the override, a family's narrower view (never the staff
notes), scope (404) and role (403), audit, and query counts."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.pathways.models import DiagnosticAssessment
from apps.pathways.services import course_create
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling import services
from apps.scheduling.models import Appointment, AppointmentEvent, ReviewPolicy, TreatmentSeries
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory, TeamFactory
from . import at, book

Kind = Appointment.Kind
TODAY = timezone.localdate()
YEAR = TODAY.year + 1  # every appointment below is in the future
STAFF_NOTE = "Staff only: dad asked about the EHCP again"
OVERRIDE = "Same sedation as the MRI"


@pytest.fixture
def neurologist(cast):
    """A consultant in neurology on child A's care team."""
    user = StaffFactory(
        full_name="Dr Ceri Neuro", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"]
    )
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


def appointments_url(patient):
    return f"/api/v1/patients/{patient.pk}/appointments/"


def appointment_url(appointment, step=""):
    return f"/api/v1/appointments/{appointment.pk}/{f'{step}/' if step else ''}"


def series_url(series, step=""):
    return f"/api/v1/series/{series.pk}/{f'{step}/' if step else ''}"


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def when(text: str) -> datetime.datetime:
    """A datetime from the API (London time, with its offset)."""
    return datetime.datetime.fromisoformat(text)


def audited(user, patient, what) -> int:
    return AccessEvent.objects.filter(user=user, patient=patient, what=what).count()


def ivig(cast, first, count=6, **details):
    return services.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="IVIG every 4 weeks",
        interval_days=28,
        count=count,
        first_starts_at=first,
        **details,
    )


# --- Appointments: staff --------------------------------------------------------------------------


def test_staff_list_a_childs_appointments_with_the_internal_notes(cast, api_for):
    later = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 14), kind=Kind.MRI, internal_notes=STAFF_NOTE)
    hidden = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 1, 9), family_visible=False, location="Room 4")
    book(cast.nurse_a, cast.child_b, at(YEAR, 3, 1, 9))  # another child's

    response = api_for(cast.nurse_a).get(appointments_url(cast.child_a))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [hidden.pk, later.pk]
    first, second = body["results"]
    assert (first["family_visible"], first["location"], first["kind"]) == (
        False,
        "Room 4",
        "neurology_clinic",
    )
    assert (second["kind_label"], second["status"], second["internal_notes"]) == (
        "MRI scan",
        "booked",
        STAFF_NOTE,
    )
    assert when(second["starts_at"]) == at(YEAR, 3, 2, 14)


def test_staff_book_an_appointment(cast, api_for, neurologist):
    body = {
        "kind": "neurology_clinic",
        "starts_at": iso(at(YEAR, 3, 2, 10)),
        "ends_at": iso(at(YEAR, 3, 2, 10, 30)),
        "clinician": neurologist.pk,
        "location": "Outpatients 3",
        "preparation_notes": "Bring the symptom diary.",
        "internal_notes": STAFF_NOTE,
    }

    response = api_for(cast.nurse_a).post(appointments_url(cast.child_a), body, format="json")

    assert response.status_code == 201
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.clinician, appointment.status) == (
        cast.child_a,
        neurologist,
        "booked",
    )
    assert (appointment.starts_at, appointment.ends_at) == (at(YEAR, 3, 2, 10), at(YEAR, 3, 2, 10, 30))
    assert (appointment.location, appointment.internal_notes) == ("Outpatients 3", STAFF_NOTE)
    assert (appointment.created_by, appointment.family_visible) == (cast.nurse_a, True)
    answer = response.json()
    assert (answer["id"], answer["clinician_name"], answer["internal_notes"]) == (
        appointment.pk,
        "Dr Ceri Neuro",
        STAFF_NOTE,
    )
    assert [(e["kind"], e["actor_name"]) for e in answer["events"]] == [("booked", "Nina Nurse")]


def test_booking_for_a_referral_moves_it_to_booked_and_attending_to_seen(
    cast, api_for, neurologist, time_machine
):
    neurology = TeamFactory(code="neurology")
    referral = referrals.referral_create(
        actor=cast.nurse_a, patient=cast.child_a, target_team=neurology, reason="Jerky eye movements"
    )
    referrals.referral_accept(actor=neurologist, referral=referral)
    client = api_for(neurologist)
    body = {
        "kind": "neurology_clinic",
        "starts_at": iso(at(YEAR, 3, 2, 10)),
        "ends_at": iso(at(YEAR, 3, 2, 11)),
        "referral": referral.pk,
    }

    booked = client.post(appointments_url(cast.child_a), body, format="json")
    referral.refresh_from_db()
    status_after_booking = referral.status
    time_machine.move_to(
        Appointment.objects.get().starts_at, tick=False
    )  # attendance is recorded from the day itself
    attended = client.post(appointment_url(Appointment.objects.get(), "attended"))
    referral.refresh_from_db()

    assert booked.status_code == 201 and booked.json()["referral"] == referral.pk
    assert status_after_booking == Referral.Status.BOOKED
    assert attended.status_code == 200 and attended.json()["status"] == "attended"
    assert referral.status == Referral.Status.SEEN


def test_booking_for_a_referral_the_caller_cannot_see_is_a_404(cast, api_for):
    other = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
    CareTeamMemberFactory(patient=cast.child_b, user=other)
    referral = referrals.referral_create(
        actor=other, patient=cast.child_b, target_team=TeamFactory(code="oncology"), reason="Scan review"
    )
    body = {"kind": "mri", "starts_at": iso(at(YEAR, 3, 2, 10)), "ends_at": iso(at(YEAR, 3, 2, 11))}

    response = api_for(cast.nurse_a).post(
        appointments_url(cast.child_a), {**body, "referral": referral.pk}, format="json"
    )

    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_bad_booking_details_are_a_400_by_the_field(cast, api_for):
    body = {"kind": "astrology", "starts_at": iso(at(YEAR, 3, 2, 10)), "ends_at": iso(at(YEAR, 3, 2, 9))}
    response = api_for(cast.nurse_a).post(appointments_url(cast.child_a), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["kind"]

    body["kind"] = "mri"
    response = api_for(cast.nurse_a).post(appointments_url(cast.child_a), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"ends_at": ["The end must be after the start."]}
    assert not Appointment.objects.exists()


def test_a_double_booking_is_a_400_with_code_clash_and_the_override_books_it(cast, api_for):
    mri = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), kind=Kind.MRI)
    client = api_for(cast.nurse_a)
    body = {
        "kind": "lumbar_puncture",
        "starts_at": iso(at(YEAR, 3, 2, 9, 30)),
        "ends_at": iso(at(YEAR, 3, 2, 11)),
    }

    refused = client.post(appointments_url(cast.child_a), body, format="json")

    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["status"], error["code"]) == (400, "clash")
    assert "override_reason" in error["message"]
    message = error["fields"]["starts_at"][0]
    assert f"The child already has an appointment (MRI scan) at 09:00 on {at(YEAR, 3, 2):%d %b %Y}" in message
    assert list(Appointment.objects.all()) == [mri]

    overridden = client.post(
        appointments_url(cast.child_a), {**body, "override_reason": OVERRIDE}, format="json"
    )

    assert overridden.status_code == 201
    assert overridden.json()["clash_override_reason"] == OVERRIDE
    assert Appointment.objects.get(pk=overridden.json()["id"]).clash_override_reason == OVERRIDE


def test_staff_retrieve_an_appointment_with_its_history(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), internal_notes=STAFF_NOTE)
    services.appointment_move(
        actor=cast.nurse_a, appointment=appointment, starts_at=at(YEAR, 3, 3, 9), ends_at=at(YEAR, 3, 3, 10)
    )

    response = api_for(cast.nurse_a).get(appointment_url(appointment))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["internal_notes"], body["sequence"]) == (appointment.pk, STAFF_NOTE, 1)
    assert [e["kind"] for e in body["events"]] == ["booked", "rescheduled"]
    assert when(body["events"][1]["previous_starts_at"]) == at(YEAR, 3, 2, 9)


def test_staff_confirm_and_record_attendance(cast, api_for, time_machine):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    client = api_for(cast.nurse_a)

    confirmed = client.post(appointment_url(appointment, "confirm"))
    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    attended = client.post(appointment_url(appointment, "attended"))

    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    assert (attended.status_code, attended.json()["status"]) == (200, "attended")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED
    events = AppointmentEvent.objects.filter(appointment=appointment).values_list("kind", "actor")
    assert list(events) == [
        ("booked", cast.nurse_a.pk),
        ("confirmed", cast.nurse_a.pk),
        ("attended", cast.nurse_a.pk),
    ]


def test_a_did_not_attend_opens_a_task_for_the_named_nurse(cast, api_for, neurologist, time_machine):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), kind=Kind.MRI)

    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    response = api_for(neurologist).post(appointment_url(appointment, "did-not-attend"))

    assert (response.status_code, response.json()["status"]) == (200, "did_not_attend")
    task = Task.objects.get(source=Task.Source.DID_NOT_ATTEND)
    assert (task.assignee, task.patient, task.title) == (
        cast.nurse_a,
        cast.child_a,
        "Follow up a missed MRI scan",
    )


def test_staff_cancel_an_appointment_with_who_and_why(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    client = api_for(cast.nurse_a)

    blank = client.post(
        appointment_url(appointment, "cancel"), {"cancelled_by": "family", "reason": " "}, format="json"
    )
    cancelled = client.post(
        appointment_url(appointment, "cancel"), {"cancelled_by": "family", "reason": "Poorly"}, format="json"
    )
    again = client.post(
        appointment_url(appointment, "cancel"), {"cancelled_by": "family", "reason": "Poorly"}, format="json"
    )

    assert blank.status_code == 400 and list(blank.json()["error"]["fields"]) == ["reason"]
    assert cancelled.status_code == 200
    assert (
        cancelled.json()["status"],
        cancelled.json()["cancelled_by"],
        cancelled.json()["cancel_reason"],
    ) == (
        "cancelled",
        "family",
        "Poorly",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason, appointment.sequence) == ("cancelled", "Poorly", 1)


def test_an_illegal_status_change_is_a_400(cast, api_for, time_machine):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    client = api_for(cast.nurse_a)
    time_machine.move_to(appointment.starts_at, tick=False)  # attendance is recorded from the day itself
    client.post(appointment_url(appointment, "attended"))

    response = client.post(appointment_url(appointment, "did-not-attend"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "illegal_transition"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED


def test_staff_move_an_appointment_and_a_clash_needs_an_override(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 3, 9), kind=Kind.MRI)
    services.appointment_confirm(actor=cast.nurse_a, appointment=appointment)
    client = api_for(cast.nurse_a)
    onto_mri = {"starts_at": iso(at(YEAR, 3, 3, 9, 30)), "ends_at": iso(at(YEAR, 3, 3, 10, 30))}

    clash = client.post(appointment_url(appointment, "move"), onto_mri, format="json")
    unchanged = Appointment.objects.get(pk=appointment.pk).starts_at
    moved = client.post(
        appointment_url(appointment, "move"),
        {"starts_at": iso(at(YEAR, 3, 4, 11)), "ends_at": iso(at(YEAR, 3, 4, 12))},
        format="json",
    )
    overridden = client.post(
        appointment_url(appointment, "move"), {**onto_mri, "override_reason": OVERRIDE}, format="json"
    )

    assert clash.status_code == 400 and clash.json()["error"]["code"] == "clash"
    assert (
        "The child already has an appointment (MRI scan)" in clash.json()["error"]["fields"]["starts_at"][0]
    )
    assert unchanged == at(YEAR, 3, 2, 9)
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["sequence"]) == ("booked", 1)  # needs confirming again
    assert overridden.status_code == 200 and overridden.json()["clash_override_reason"] == OVERRIDE
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.sequence) == (at(YEAR, 3, 3, 9, 30), 2)


# --- Appointments: families -----------------------------------------------------------------------


def test_a_family_sees_their_childs_family_visible_appointments_without_staff_notes(cast, api_for):
    visible = book(
        cast.nurse_a,
        cast.child_a,
        at(YEAR, 3, 2, 9),
        kind=Kind.SURGERY,
        internal_notes=STAFF_NOTE,
        preparation_notes="Nil by mouth from 7am",
    )
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9, 30), kind=Kind.MRI, override_reason=OVERRIDE)
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 5, 9), family_visible=False, location="Case conference room")

    response = api_for(cast.family_a).get(appointments_url(cast.child_a))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert (first["id"], first["kind"], first["preparation_notes"]) == (
        visible.pk,
        "surgery",
        "Nil by mouth from 7am",
    )
    for row in body["results"]:
        assert (
            "internal_notes" not in row and "clash_override_reason" not in row and "family_visible" not in row
        )
    raw = response.content.decode()
    for secret in (STAFF_NOTE, OVERRIDE, "Case conference room"):
        assert secret not in raw


def test_a_family_retrieves_and_confirms_without_staff_notes(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), internal_notes=STAFF_NOTE)
    client = api_for(cast.family_a)

    retrieved = client.get(appointment_url(appointment))
    confirmed = client.post(appointment_url(appointment, "confirm"))

    for response in (retrieved, confirmed):
        assert response.status_code == 200
        assert "internal_notes" not in response.json() and "events" not in response.json()
        assert STAFF_NOTE not in response.content.decode()
    assert confirmed.json()["status"] == "confirmed"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert AppointmentEvent.objects.filter(
        appointment=appointment, kind="confirmed", actor=cast.family_a
    ).exists()


def test_a_family_gets_a_404_for_another_childs_or_a_staff_only_appointment(cast, api_for):
    others = book(cast.nurse_a, cast.child_b, at(YEAR, 3, 2, 9))
    staff_only = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 3, 9), family_visible=False)
    client = api_for(cast.family_a)

    assert client.get(appointments_url(cast.child_b)).status_code == 404
    for appointment in (others, staff_only):
        assert client.get(appointment_url(appointment)).status_code == 404
        assert client.post(appointment_url(appointment, "confirm")).status_code == 404
    assert Appointment.objects.filter(status="confirmed").count() == 0
    assert not AccessEvent.objects.filter(user=cast.family_a).exists()


def test_a_family_cannot_book_or_change_appointments(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    client = api_for(cast.family_a)
    booking = {"kind": "mri", "starts_at": iso(at(YEAR, 3, 4, 9)), "ends_at": iso(at(YEAR, 3, 4, 10))}
    move = {"starts_at": iso(at(YEAR, 3, 4, 9)), "ends_at": iso(at(YEAR, 3, 4, 10))}

    answers = [
        client.post(appointments_url(cast.child_a), booking, format="json"),
        client.post(appointment_url(appointment, "attended")),
        client.post(appointment_url(appointment, "did-not-attend")),
        client.post(
            appointment_url(appointment, "cancel"), {"cancelled_by": "family", "reason": "Ill"}, format="json"
        ),
        client.post(appointment_url(appointment, "move"), move, format="json"),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert {a.json()["error"]["code"] for a in answers} == {"permission_denied"}
    appointment.refresh_from_db()
    assert (Appointment.objects.count(), appointment.status, appointment.starts_at) == (
        1,
        "booked",
        at(YEAR, 3, 2, 9),
    )


# --- Scope and audit ------------------------------------------------------------------------------


def test_staff_out_of_scope_get_a_404_and_change_nothing(cast, api_for):
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    series = ivig(cast, at(YEAR, 4, 6, 10), count=2)
    client = api_for(cast.nurse_other)
    booking = {"kind": "mri", "starts_at": iso(at(YEAR, 3, 4, 9)), "ends_at": iso(at(YEAR, 3, 4, 10))}
    series_body = {
        "title": "IVIG",
        "interval_days": 28,
        "count": 2,
        "first_starts_at": iso(at(YEAR, 6, 1, 10)),
    }

    answers = [
        client.get(appointments_url(cast.child_a)),
        client.post(appointments_url(cast.child_a), booking, format="json"),
        client.get(appointment_url(appointment)),
        client.post(appointment_url(appointment, "confirm")),
        client.post(appointment_url(appointment, "attended")),
        client.post(
            appointment_url(appointment, "cancel"), {"cancelled_by": "hospital", "reason": "x"}, format="json"
        ),
        client.get(f"/api/v1/patients/{cast.child_a.pk}/series/"),
        client.post(f"/api/v1/patients/{cast.child_a.pk}/series/", series_body, format="json"),
        client.get(series_url(series)),
        client.post(series_url(series, "stop"), {"reason": "Stopped"}, format="json"),
        client.get(appointment_url(Appointment(pk=999_999))),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert Appointment.objects.filter(status="booked").count() == 3
    assert TreatmentSeries.objects.get().status == "active"
    assert not AccessEvent.objects.filter(user=cast.nurse_other).exists()


@pytest.mark.parametrize("subject", ["nurse_a", "nurse_glass", "family_a"])
def test_appointment_reads_are_audited_once_per_request(cast, api_for, subject):
    user = getattr(cast, subject)
    appointment = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9))
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 3, 9))
    client = api_for(user)

    listed = client.get(appointments_url(cast.child_a))
    retrieved = client.get(appointment_url(appointment))

    assert listed.status_code == retrieved.status_code == 200
    assert audited(user, cast.child_a, "appointments") == 1  # two rows, one event
    assert audited(user, cast.child_a, "appointment") == 1
    events = AccessEvent.objects.filter(user=user, patient=cast.child_a)
    assert {(e.channel, e.via_break_glass) for e in events} == {("api", subject == "nurse_glass")}


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()["count"]


@pytest.mark.parametrize("subject", ["nurse_a", "family_a"])
def test_the_appointment_list_query_count_does_not_grow_with_rows(cast, api_for, neurologist, subject):
    client = api_for(getattr(cast, subject))
    team = TeamFactory(code="neurology")
    for day in range(3):
        book(
            cast.nurse_a,
            cast.child_a,
            at(YEAR, 1, 2, 9) + datetime.timedelta(days=day),
            clinician=neurologist,
            team=team,
        )
    few = _queries(client, appointments_url(cast.child_a))
    for day in range(3, 30):
        book(
            cast.nurse_a,
            cast.child_a,
            at(YEAR, 1, 2, 9) + datetime.timedelta(days=day),
            clinician=neurologist,
            team=team,
        )
    many = _queries(client, appointments_url(cast.child_a))

    assert (few[1], many[1]) == (3, 30)
    assert few[0] == many[0]


# --- The clinic list ------------------------------------------------------------------------------


def test_the_clinic_list_shows_a_clinicians_day(cast, api_for, neurologist):
    day = datetime.date(YEAR, 3, 2)
    morning = book(
        cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), clinician=neurologist, internal_notes=STAFF_NOTE
    )
    afternoon = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 14), clinician=neurologist, kind=Kind.MRI)
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 3, 9), clinician=neurologist)  # another day
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 11))  # nobody's clinic
    book(neurologist, cast.child_b, at(YEAR, 3, 2, 12), clinician=neurologist)  # a child nurse A cannot see

    mine = api_for(neurologist).get("/api/v1/clinic/", {"day": str(day)})
    theirs = api_for(cast.nurse_a).get("/api/v1/clinic/", {"day": str(day), "clinician": neurologist.pk})

    assert mine.status_code == 200
    assert theirs.status_code == 200
    assert [r["id"] for r in theirs.json()["results"]] == [morning.pk, afternoon.pk]
    row = theirs.json()["results"][0]
    assert (row["patient"], row["patient_name"], row["hospital_number"]) == (
        cast.child_a.pk,
        cast.child_a.full_name,
        cast.child_a.hospital_number,
    )
    assert row["internal_notes"] == STAFF_NOTE
    assert audited(cast.nurse_a, cast.child_a, "clinic list") == 1


def test_the_clinic_list_shows_a_teams_day(cast, api_for, neurologist):
    neurology = TeamFactory(code="neurology")
    oncology = TeamFactory(code="oncology")
    seen = book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 9), team=neurology)
    book(cast.nurse_a, cast.child_a, at(YEAR, 3, 2, 11), team=oncology)

    response = api_for(cast.nurse_a).get("/api/v1/clinic/", {"day": f"{YEAR}-03-02", "team": neurology.pk})

    assert [r["id"] for r in response.json()["results"]] == [seen.pk]
    assert response.json()["results"][0]["team_name"] == "Neurology"


def test_the_clinic_list_query_count_does_not_grow_with_rows(cast, api_for, neurologist):
    client = api_for(neurologist)
    patients = [cast.child_a]
    for _ in range(29):
        child = PatientFactory()
        CareTeamMemberFactory(patient=child, user=neurologist)
        patients.append(child)

    def book_day(children):
        for n, child in enumerate(children):
            start = at(YEAR, 3, 2, 8) + datetime.timedelta(minutes=20 * n)
            book(neurologist, child, start, minutes=20, clinician=neurologist)

    book_day(patients[:3])
    few = _queries(client, f"/api/v1/clinic/?day={YEAR}-03-02")
    Appointment.objects.all().delete()
    book_day(patients)
    many = _queries(client, f"/api/v1/clinic/?day={YEAR}-03-02")

    assert (few[1], many[1]) == (3, 30)
    assert few[0] == many[0]


def test_a_bad_clinic_day_is_a_400(cast, api_for):
    response = api_for(cast.nurse_a).get("/api/v1/clinic/", {"day": "tomorrow"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["day"]
    assert response.json()["error"]["fields"]["day"] == [
        "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
    ]


# --- Treatment series -----------------------------------------------------------------------------


def test_staff_create_a_series_with_its_occurrences(cast, api_for, neurologist):
    course = course_create(actor=neurologist, patient=cast.child_a, agent="ivig", start_date=TODAY)
    body = {
        "title": "IVIG every 4 weeks",
        "kind": "infusion",
        "interval_days": 28,
        "count": 6,
        "first_starts_at": iso(at(YEAR, 1, 5, 10)),
        "duration_minutes": 240,
        "location": "Day unit",
        "preparation_notes": "Bring a snack.",
        "course": course.pk,
    }

    response = api_for(cast.nurse_a).post(f"/api/v1/patients/{cast.child_a.pk}/series/", body, format="json")

    assert response.status_code == 201
    series = TreatmentSeries.objects.get()
    assert (series.patient, series.course, series.count, series.created_by) == (
        cast.child_a,
        course,
        6,
        cast.nurse_a,
    )
    answer = response.json()
    assert (answer["id"], answer["status"], answer["remaining"]) == (series.pk, "active", 6)
    assert [o["series_index"] for o in answer["occurrences"]] == [1, 2, 3, 4, 5, 6]
    assert when(answer["occurrences"][1]["starts_at"]) == at(YEAR, 2, 2, 10)
    assert Appointment.objects.filter(series=series, location="Day unit").count() == 6


def test_a_series_for_another_childs_course_is_a_400(cast, api_for, neurologist):
    other = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    course = course_create(actor=other, patient=cast.child_b, agent="ivig", start_date=TODAY)
    body = {
        "title": "IVIG",
        "interval_days": 28,
        "count": 2,
        "first_starts_at": iso(at(YEAR, 1, 5, 10)),
        "course": course.pk,
    }

    response = api_for(cast.nurse_a).post(f"/api/v1/patients/{cast.child_a.pk}/series/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["course"]
    assert not TreatmentSeries.objects.exists()


def test_a_series_that_clashes_is_refused_whole_and_the_override_books_it(cast, api_for):
    book(cast.nurse_a, cast.child_a, at(YEAR, 2, 2, 11), kind=Kind.MRI)  # the 2nd occurrence's day
    client = api_for(cast.nurse_a)
    body = {"title": "IVIG", "interval_days": 28, "count": 3, "first_starts_at": iso(at(YEAR, 1, 5, 10))}

    refused = client.post(f"/api/v1/patients/{cast.child_a.pk}/series/", body, format="json")
    overridden = client.post(
        f"/api/v1/patients/{cast.child_a.pk}/series/", {**body, "override_reason": OVERRIDE}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["first_starts_at"][0].startswith(
        "Appointment 2: The child already has an appointment (MRI scan)"
    )
    assert overridden.status_code == 201
    assert TreatmentSeries.objects.count() == 1


def test_staff_list_and_retrieve_a_childs_series(cast, api_for):
    older = ivig(cast, at(YEAR, 1, 5, 10), count=2)
    newer = ivig(cast, at(YEAR, 6, 1, 10), count=3)
    client = api_for(cast.nurse_a)

    listed = client.get(f"/api/v1/patients/{cast.child_a.pk}/series/")
    retrieved = client.get(series_url(older))

    assert listed.status_code == retrieved.status_code == 200
    assert [(s["id"], s["remaining"]) for s in listed.json()["results"]] == [(newer.pk, 3), (older.pk, 2)]
    assert "occurrences" not in listed.json()["results"][0]
    assert [o["series_index"] for o in retrieved.json()["occurrences"]] == [1, 2]
    assert audited(cast.nurse_a, cast.child_a, "treatment series") == 2  # one per request


def test_the_series_list_query_count_does_not_grow_with_rows(cast, api_for):
    client = api_for(cast.nurse_a)
    url = f"/api/v1/patients/{cast.child_a.pk}/series/"
    for n in range(3):
        ivig(cast, at(YEAR, 1, 5 + n, 10), count=1)
    few = _queries(client, url)
    for n in range(27):
        ivig(cast, at(YEAR, 2, 5, 0) + datetime.timedelta(days=n), count=1, duration_minutes=60)
    many = _queries(client, url)
    assert (few[1], many[1]) == (3, 30)
    assert few[0] == many[0]


def test_staff_move_one_occurrence_or_it_and_all_following(cast, api_for):
    series = ivig(cast, at(YEAR, 1, 5, 10), count=4)
    first, second, *_ = series.appointments.order_by("series_index")
    client = api_for(cast.nurse_a)

    one = client.post(
        series_url(series, "move"),
        {"appointment": first.pk, "starts_at": iso(at(YEAR, 1, 6, 9))},
        format="json",
    )
    following = client.post(
        series_url(series, "move"),
        {"appointment": second.pk, "starts_at": iso(at(YEAR, 2, 3, 10)), "and_following": True},
        format="json",
    )

    assert one.status_code == following.status_code == 200
    starts = [when(o["starts_at"]) for o in following.json()["occurrences"]]
    # The 4th was 30 March 10:00 (after the clocks go forward): a day later, still 10:00 London time.
    assert starts == [at(YEAR, 1, 6, 9), at(YEAR, 2, 3, 10), at(YEAR, 3, 3, 10), at(YEAR, 3, 31, 10)]
    assert [o["sequence"] for o in following.json()["occurrences"]] == [1, 1, 1, 1]


def test_moving_an_appointment_of_another_series_is_a_400(cast, api_for):
    series = ivig(cast, at(YEAR, 1, 5, 10), count=2)
    stranger = book(cast.nurse_a, cast.child_a, at(YEAR, 5, 5, 10))

    response = api_for(cast.nurse_a).post(
        series_url(series, "move"),
        {"appointment": stranger.pk, "starts_at": iso(at(YEAR, 5, 6, 10))},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["appointment"]
    stranger.refresh_from_db()
    assert stranger.starts_at == at(YEAR, 5, 5, 10)


def test_staff_stop_a_series_and_its_future_occurrences_are_cancelled(cast, api_for):
    series = ivig(cast, at(YEAR, 1, 5, 10), count=3)
    client = api_for(cast.nurse_a)

    blank = client.post(series_url(series, "stop"), {"reason": ""}, format="json")
    stopped = client.post(series_url(series, "stop"), {"reason": "Course stopped early"}, format="json")

    assert blank.status_code == 400 and list(blank.json()["error"]["fields"]) == ["reason"]
    assert stopped.status_code == 200
    body = stopped.json()
    assert (body["status"], body["remaining"]) == ("ended", 0)
    assert {(o["status"], o["cancelled_by"], o["cancel_reason"]) for o in body["occurrences"]} == {
        ("cancelled", "hospital", "Course stopped early")
    }


def test_series_are_for_staff(cast, api_for):
    series = ivig(cast, at(YEAR, 1, 5, 10), count=2)
    client = api_for(cast.family_a)
    body = {"title": "IVIG", "interval_days": 28, "count": 2, "first_starts_at": iso(at(YEAR, 6, 1, 10))}

    answers = [
        client.get(f"/api/v1/patients/{cast.child_a.pk}/series/"),
        client.post(f"/api/v1/patients/{cast.child_a.pk}/series/", body, format="json"),
        client.get(series_url(series)),
        client.post(series_url(series, "stop"), {"reason": "Stopped"}, format="json"),
        client.post(
            series_url(series, "move"),
            {"appointment": 1, "starts_at": iso(at(YEAR, 6, 1, 10))},
            format="json",
        ),
    ]

    assert [a.status_code for a in answers] == [403] * 5
    assert TreatmentSeries.objects.get().status == "active"
    assert not AccessEvent.objects.filter(user=cast.family_a).exists()


# --- Review policies and the overdue report -------------------------------------------------------


@pytest.fixture
def neuropsychology_policy(db):
    return ReviewPolicy.objects.create(
        name="Neuropsychology re-evaluation",
        target_team=TeamFactory(code="neuropsychology"),
        appointment_kind=Kind.NEUROPSYCHOLOGY,
        baseline_within_months=6,
        interval_months=24,
    )


def test_staff_list_the_review_policies(cast, api_for, neuropsychology_policy):
    response = api_for(cast.nurse_a).get("/api/v1/review-policies/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    row = response.json()["results"][0]
    assert (row["id"], row["name"], row["target_team_name"], row["appointment_kind"]) == (
        neuropsychology_policy.pk,
        "Neuropsychology re-evaluation",
        "Neuropsychology",
        "neuropsychology",
    )
    assert (row["baseline_within_months"], row["interval_months"], row["lead_time_days"]) == (6, 24, 84)


def test_the_overdue_report_lists_children_past_due_with_nothing_booked(
    cast, api_for, neuropsychology_policy
):
    diagnosed = TODAY - relativedelta(years=2)
    booked_child = PatientFactory(given_name="Cara")
    CareTeamMemberFactory(patient=booked_child, user=cast.nurse_a)
    for child in (cast.child_a, cast.child_b, booked_child):  # child B: overdue, but not nurse A's
        DiagnosticAssessment.objects.create(patient=child, diagnosis_date=diagnosed)
    book(cast.nurse_a, booked_child, at(YEAR, 1, 5, 10), kind=Kind.NEUROPSYCHOLOGY)
    # The policy and diagnoses were written around the services: the daily job's repair stores their dates.
    services.review_schedules_repair()
    due = diagnosed + relativedelta(months=6)

    response = api_for(cast.nurse_a).get("/api/v1/reviews/overdue/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "patient": cast.child_a.pk,
            "patient_name": cast.child_a.full_name,
            "hospital_number": cast.child_a.hospital_number,
            "policy": neuropsychology_policy.pk,
            "policy_name": "Neuropsychology re-evaluation",
            "appointment_kind": "neuropsychology",
            "due_on": str(due),
            "days_overdue": (TODAY - due).days,
        }
    ]
    assert audited(cast.nurse_a, cast.child_a, "overdue re-evaluations") == 1
    assert not AccessEvent.objects.filter(patient__in=[cast.child_b, booked_child]).exists()


@pytest.mark.parametrize("url", ["/api/v1/clinic/", "/api/v1/review-policies/", "/api/v1/reviews/overdue/"])
def test_staff_reports_are_refused_to_families(cast, api_for, url):
    response = api_for(cast.family_a).get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/clinic/", "/api/v1/review-policies/", "/api/v1/reviews/overdue/", "/api/v1/appointments/1/"],
)
def test_scheduling_endpoints_need_a_login(db, api, url):
    assert api.get(url).status_code in {401, 403}
