"""The referral API: inbox, sent box, detail, create, every transition as an action, inbound external
referrals and letters; with scope (404), roles (403), illegal (400) and stale (409) moves, bad input,
audit and query counts.

Role rule, as in test_transitions.py: someone who can see the referral but may not make this move (the
referring nurse accepting) gets a 403 and nothing changes; someone who cannot see it at all (another
team, a family) gets a 404, the same as for a referral that does not exist.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.audit.models import AccessEvent
from apps.patients.models import Patient
from apps.referrals import services
from apps.referrals.models import Referral, ReferralAttachment, ReferralEvent, ServiceLevelTarget
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory
from . import Status, drive_to, refer

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def targets(people):
    """Oncology's service levels: urgent triaged in 1 working day, routine in 5."""
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="urgent", triage_working_days=1, seen_within_days=14
    )
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="routine", triage_working_days=5, seen_within_days=42
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(referral=None, route=""):
    return f"/api/v1/referrals/{f'{referral.pk}/' if referral else ''}{route}"


def snapshot():
    """Everything a refused request must leave alone."""
    return (
        list(Referral.objects.order_by("pk").values_list("pk", "status", "assignee_id", "outcome_reason")),
        ReferralEvent.objects.count(),
        list(Task.objects.order_by("pk").values_list("pk", "status")),
        ReferralAttachment.objects.count(),
        Patient.objects.count(),
    )


def another_child(people, **fields):
    return PatientFactory(named_nurse=people.referrer, **fields)


# --- Lists ----------------------------------------------------------------------------------------


def test_the_inbox_lists_my_teams_referrals_awaiting_triage_first_with_due_times(people, targets, api_for):
    accepted = drive_to(people, Status.ACCEPTED)
    routine = refer(people, patient=another_child(people, given_name="Rory"))
    urgent = refer(people, patient=another_child(people, given_name="Una"), urgency="urgent")
    refer(people, patient=another_child(people), target_team=Team.objects.get(code="nursing"))

    response = api_for(people.oncologist).get(url())

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [urgent.pk, routine.pk, accepted.pk]
    row = body["results"][0]
    assert (row["status"], row["status_label"], row["urgency"]) == ("submitted", "Awaiting triage", "urgent")
    assert (row["patient"], row["patient_name"]) == (urgent.patient_id, urgent.patient.full_name)
    assert (row["target_team_name"], row["source_user"], row["overdue"]) == (
        "Oncology",
        people.referrer.pk,
        False,
    )
    assert row["source_label"] == "Nora Referrer – Nursing"
    assert row["triage_due"] and row["seen_due"]
    assert body["results"][2]["assignee_name"] == "Olga Onc"


def test_the_inbox_filters_by_status_and_team(people, targets, api_for):
    accepted = drive_to(people, Status.ACCEPTED)
    submitted = refer(people, patient=another_child(people))
    client = api_for(people.oncologist)
    neurology = Team.objects.get(code="neurology")

    awaiting = client.get(url(), {"status": "submitted"}).json()
    open_ = client.get(url(), {"status": "open", "team": people.oncology.pk}).json()
    not_mine = client.get(url(), {"team": neurology.pk}).json()
    bad = client.get(url(), {"status": "lost"})

    assert [r["id"] for r in awaiting["results"]] == [submitted.pk]
    assert [r["id"] for r in open_["results"]] == [submitted.pk, accepted.pk]
    assert not_mine["count"] == 0
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["status"]


def test_the_sent_box_lists_what_i_referred(people, api_for):
    mine = refer(people)
    theirs = services.referral_create(
        actor=people.oncologist,
        patient=another_child(people),
        target_team=Team.objects.get(code="nursing"),
        reason="Needs a nurse specialist.",
    )

    mine_sent = api_for(people.referrer).get(url(), {"box": "sent"}).json()
    their_sent = api_for(people.oncologist).get(url(), {"box": "sent"}).json()

    assert [r["id"] for r in mine_sent["results"]] == [mine.pk]
    assert [r["id"] for r in their_sent["results"]] == [theirs.pk]


def test_the_inbox_and_sent_box_audit_each_child_they_show(people, api_for):
    referral = refer(people)

    api_for(people.oncologist).get(url())
    api_for(people.referrer).get(url(), {"box": "sent"})

    assert list(AccessEvent.objects.order_by("pk").values_list("user", "patient", "what", "channel")) == [
        (people.oncologist.pk, referral.patient_id, "referral inbox", "api"),
        (people.referrer.pk, referral.patient_id, "referrals sent", "api"),
    ]


@pytest.mark.parametrize("size", [3, 40])
def test_the_inbox_query_count_is_flat(people, targets, api_for, django_assert_max_num_queries, size):
    for n in range(size):
        refer(people, patient=another_child(people), urgency="urgent" if n % 2 else "routine")
    client = api_for(people.oncologist)
    with django_assert_max_num_queries(7):  # teams, count, page, service levels, holidays, audit (2)
        response = client.get(url())
    assert response.json()["count"] == size
    assert all(row["triage_due"] for row in response.json()["results"])


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_shows_the_history_letters_and_due_times(people, targets, api_for):
    referral = drive_to(people, Status.ACCEPTED)

    response = api_for(people.oncologist).get(url(referral))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["reason"]) == (referral.pk, "accepted", referral.reason)
    assert [(e["from_status"], e["to_status"], e["actor_name"]) for e in body["events"]] == [
        ("", "draft", "Nora Referrer"),
        ("draft", "submitted", "Nora Referrer"),
        ("submitted", "accepted", "Olga Onc"),
    ]
    assert body["letters"] == [] and body["triage_due"] and body["triaged_at"]
    [event] = AccessEvent.objects.filter(user=people.oncologist)
    assert (event.patient, event.what, event.channel) == (people.child, "referral", "api")
    assert event.request_id == response["X-Request-ID"]


def test_detail_reads_are_audited_once_per_request(people, api_for):
    referral = refer(people)
    client = api_for(people.referrer)
    client.get(url(referral))
    client.get(url(referral))
    assert (
        AccessEvent.objects.filter(user=people.referrer, patient=people.child, what="referral").count() == 2
    )


# --- Create ---------------------------------------------------------------------------------------


def test_a_nurse_refers_a_child_she_can_see(people, api_for):
    body = {
        "patient": people.child.pk,
        "target_team": people.oncology.pk,
        "reason": "Opsoclonus.",
        "urgency": "urgent",
    }

    response = api_for(people.referrer).post(url(), body, format="json")

    assert response.status_code == 201
    referral = Referral.objects.get()
    assert (referral.patient, referral.target_team, referral.source_user) == (
        people.child,
        people.oncology,
        people.referrer,
    )
    assert (referral.status, referral.urgency, referral.reason) == ("submitted", "urgent", "Opsoclonus.")
    assert response.json()["id"] == referral.pk and response.json()["status"] == "submitted"
    assert Task.objects.filter(team=people.oncology, source="referral_triage", patient=people.child).exists()


def test_referring_a_child_out_of_scope_is_a_404_and_writes_nothing(people, api_for):
    stranger = PatientFactory()
    before = snapshot()
    body = {"patient": stranger.pk, "target_team": people.oncology.pk, "reason": "Please see."}

    response = api_for(people.referrer).post(url(), body, format="json")
    missing = api_for(people.referrer).post(url(), {**body, "patient": 999999}, format="json")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert snapshot() == before


def test_a_referral_without_a_reason_or_team_is_a_400_with_field_errors(people, api_for):
    client = api_for(people.referrer)
    blank = client.post(
        url(), {"patient": people.child.pk, "target_team": people.oncology.pk, "reason": " "}, format="json"
    )
    no_team = client.post(url(), {"patient": people.child.pk, "reason": "Please see."}, format="json")

    assert blank.status_code == 400
    assert blank.json()["error"]["fields"] == {"reason": ["Say why you are referring."]}
    assert no_team.status_code == 400 and list(no_team.json()["error"]["fields"]) == ["target_team"]
    assert not Referral.objects.exists()


def test_a_second_open_referral_to_the_same_team_is_a_400(people, api_for):
    refer(people)
    body = {"patient": people.child.pk, "target_team": people.oncology.pk, "reason": "Again."}
    response = api_for(people.referrer).post(url(), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["target_team"]
    assert Referral.objects.count() == 1


# --- Transitions ----------------------------------------------------------------------------------


def test_each_transition_is_an_action(people, api_for):
    referral = refer(people)
    client = api_for(people.oncologist)

    accepted = client.post(
        url(referral, "accept/"),
        {"note": "Clinic next week", "assignee": people.oncologist_2.pk, "expected_status": "submitted"},
        format="json",
    )
    booked = client.post(url(referral, "book/"), {"note": "Tuesday 10:00"}, format="json")
    seen = client.post(url(referral, "seen/"), {}, format="json")
    completed = client.post(url(referral, "complete/"), {"note": "Discharged to GP"}, format="json")

    assert [r.status_code for r in (accepted, booked, seen, completed)] == [200] * 4
    assert [r.json()["status"] for r in (accepted, booked, seen, completed)] == [
        "accepted",
        "booked",
        "seen",
        "completed",
    ]
    assert accepted.json()["assignee_name"] == "Oscar Onc"
    referral.refresh_from_db()
    assert (referral.status, referral.assignee) == ("completed", people.oncologist_2)
    assert referral.seen_at and referral.closed_at
    assert list(referral.events.values_list("from_status", "to_status", "note"))[-4:] == [
        ("submitted", "accepted", "Clinic next week"),
        ("accepted", "booked", "Tuesday 10:00"),
        ("booked", "seen", ""),
        ("seen", "completed", "Discharged to GP"),
    ]
    assert completed.json()["events"][-1]["note"] == "Discharged to GP"


def test_the_team_declines_with_a_reason(people, api_for):
    referral = refer(people)
    response = api_for(people.oncologist).post(
        url(referral, "decline/"), {"reason": "Not for oncology."}, format="json"
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_reason) == ("declined", "Not for oncology.")


def test_the_referrer_cancels_with_a_reason(people, api_for):
    referral = refer(people)
    response = api_for(people.referrer).post(
        url(referral, "cancel/"), {"reason": "Family moved away."}, format="json"
    )
    assert response.status_code == 200 and response.json()["outcome_reason"] == "Family moved away."
    assert Referral.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"reason": ["This field is required."]}),
        ({"reason": "  "}, {"reason": ["Give a reason for declining."]}),
    ],
    ids=["missing", "blank"],
)
def test_declining_without_a_reason_is_a_400_and_changes_nothing(people, api_for, body, fields):
    referral = refer(people)
    before = snapshot()
    response = api_for(people.oncologist).post(url(referral, "decline/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == fields
    assert snapshot() == before


@pytest.mark.parametrize("action", ["accept", "decline", "book", "seen", "complete"])
def test_the_referrer_cannot_triage_and_gets_a_403(people, api_for, action):
    referral = drive_to(people, Status.SUBMITTED if action in ("accept", "decline") else Status.ACCEPTED)
    before = snapshot()
    response = api_for(people.referrer).post(url(referral, f"{action}/"), {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "status": 403,
        "code": "permission_denied",
        "message": "Only members of Oncology can act on this referral.",
        "fields": {},
    }
    assert snapshot() == before


def test_a_care_team_nurse_who_did_not_refer_cannot_cancel(people, api_for):
    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])
    CareTeamMemberFactory(patient=people.child, user=nurse)
    referral = refer(people)
    before = snapshot()
    client = api_for(nurse)
    assert client.get(url(referral)).status_code == 200  # she can see it
    response = client.post(url(referral, "cancel/"), {"reason": "Not needed"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("start", "action", "body"),
    [
        (Status.SUBMITTED, "book", {}),
        (Status.ACCEPTED, "seen", {}),
        (Status.BOOKED, "complete", {}),
        (Status.COMPLETED, "cancel", {"reason": "Too late"}),
        (Status.DECLINED, "book", {}),
    ],
)
def test_an_illegal_transition_is_a_400_with_its_code(people, api_for, start, action, body):
    referral = drive_to(people, start)
    before = snapshot()
    response = api_for(people.oncologist).post(url(referral, f"{action}/"), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "illegal_transition" and error["fields"] == {}
    assert error["message"].startswith(f"A referral that is {Status(start).label.lower()} cannot be")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("start", "action", "body"),
    [
        (Status.ACCEPTED, "book", {"expected_status": "submitted"}),
        (Status.BOOKED, "seen", {"expected_status": "accepted"}),
        (Status.SUBMITTED, "cancel", {"reason": "Moved", "expected_status": "accepted"}),
        (Status.ACCEPTED, "accept", {}),  # someone accepted first: the service says stale
        (Status.DECLINED, "decline", {"reason": "No"}),
    ],
)
def test_a_stale_expected_status_is_a_409_and_changes_nothing(people, api_for, start, action, body):
    referral = drive_to(people, start)
    before = snapshot()
    response = api_for(people.oncologist).post(url(referral, f"{action}/"), body, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale"
    assert f"now {Status(start).label.lower()}" in error["message"]
    assert snapshot() == before


# --- Scope ----------------------------------------------------------------------------------------

ROUTES = [
    ("get", ""),
    ("get", "letters/"),
    ("post", "accept/"),
    ("post", "decline/"),
    ("post", "book/"),
    ("post", "seen/"),
    ("post", "complete/"),
    ("post", "cancel/"),
    ("post", "letters/"),
]


@pytest.mark.parametrize("subject", ["outsider", "family"])
@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_team_and_a_family_get_404_on_every_referral_route(people, api_for, subject, method, route):
    referral = refer(people)
    user = getattr(people, subject)
    before = snapshot()
    client = api_for(user)
    if route == "letters/" and method == "post":
        response = client.post(url(referral, route), {"file": SimpleUploadedFile("a.pdf", PDF)})
    else:
        response = getattr(client, method)(url(referral, route), {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert snapshot() == before
    assert not AccessEvent.objects.filter(user=user).exists()


def test_a_missing_referral_looks_like_a_forbidden_one(people, api_for):
    referral = refer(people)
    client = api_for(people.outsider)
    assert client.get(url(referral)).json() == client.get("/api/v1/referrals/999999/").json()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", {}),
        ("post", "", {"patient": 1, "target_team": 1, "reason": "x"}),
        ("post", "external/", {}),
    ],
)
def test_a_family_is_refused_the_staff_collections(people, api_for, method, path, body):
    before = snapshot()
    response = getattr(api_for(people.family), method)(url(route=path), body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot() == before


# --- External referrals ---------------------------------------------------------------------------


@pytest.fixture
def clerk(db):
    return StaffFactory(full_name="Cleo Clerk", role=StaffProfile.Role.CLINIC_ADMIN)


def external_body(people, **overrides):
    body = {
        "external_source": "gp",
        "referrer_name": "Dr Grace Practitioner",
        "referrer_organisation": "High Street Surgery",
        "target_team": people.oncology.pk,
        "urgency": "urgent",
        "reason": "Dancing eyes for two weeks.",
        "given_name": "Zara",
        "family_name": "Newchild",
        "date_of_birth": "2024-05-01",
        "hospital_number": "H900001",
        "nhs_number": "943 476 5919",
    }
    body.update(overrides)
    return body


def test_an_external_referral_registers_an_unknown_child_and_lands_in_the_inbox(people, clerk, api_for):
    response = api_for(clerk).post(url(route="external/"), external_body(people), format="json")

    assert response.status_code == 201
    referral = Referral.objects.get()
    child = referral.patient
    assert (child.given_name, child.nhs_number, child.status) == ("Zara", "9434765919", "referred")
    assert (referral.external_source, referral.referrer_name, referral.status) == (
        "gp",
        "Dr Grace Practitioner",
        "submitted",
    )
    assert response.json() == {
        "id": referral.pk,
        "patient": child.pk,
        "target_team": people.oncology.pk,
        "urgency": "urgent",
        "status": "submitted",
    }
    inbox = api_for(people.oncologist).get(url()).json()
    assert [r["id"] for r in inbox["results"]] == [referral.pk]
    assert inbox["results"][0]["source_label"] == "GP (Dr Grace Practitioner, High Street Surgery)"


def test_an_external_referral_matches_a_known_child_by_nhs_number(people, clerk, api_for):
    known = PatientFactory(
        nhs_number="9434765919", hospital_number="H1", date_of_birth=datetime.date(2024, 5, 1)
    )
    response = api_for(clerk).post(url(route="external/"), external_body(people), format="json")
    assert response.status_code == 201 and response.json()["patient"] == known.pk
    assert Patient.objects.filter(nhs_number="9434765919").count() == 1


def test_an_external_referral_with_a_bad_nhs_number_is_a_400_and_writes_nothing(people, clerk, api_for):
    before = snapshot()
    response = api_for(clerk).post(
        url(route="external/"),
        external_body(people, nhs_number="123 456 7890", referrer_name=""),
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"nhs_number", "referrer_name"}
    assert "not a valid NHS number" in fields["nhs_number"][0]
    assert snapshot() == before


def test_a_role_that_does_not_register_children_cannot_record_external_referrals(people, api_for):
    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST, role__teams=["therapies"])
    before = snapshot()
    response = api_for(therapist).post(url(route="external/"), external_body(people), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your role cannot record inbound referrals."
    assert snapshot() == before


# --- Letters --------------------------------------------------------------------------------------


def test_the_referrer_attaches_a_letter_and_the_team_lists_it(people, api_for):
    referral = refer(people)
    upload = SimpleUploadedFile("gp-letter.pdf", PDF, content_type="application/octet-stream")

    created = api_for(people.referrer).post(url(referral, "letters/"), {"file": upload})
    listed = api_for(people.oncologist).get(url(referral, "letters/"))

    assert created.status_code == 201
    letter = ReferralAttachment.objects.get()
    assert (letter.referral, letter.uploaded_by, letter.content_type) == (
        referral,
        people.referrer,
        "application/pdf",
    )
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["id"], row["original_name"], row["size"], row["uploaded_by_name"]) == (
        letter.pk,
        "gp-letter.pdf",
        len(PDF),
        "Nora Referrer",
    )
    assert row["download_url"] == f"/referrals/{referral.pk}/letters/{letter.pk}/"
    assert AccessEvent.objects.filter(user=people.oncologist, what="referral letters").count() == 1
    detail = api_for(people.oncologist).get(url(referral)).json()
    assert [d["id"] for d in detail["letters"]] == [letter.pk]


def test_a_file_that_is_not_a_pdf_or_image_is_a_400_and_saves_nothing(people, api_for, tmp_path):
    referral = refer(people)
    exe = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    response = api_for(people.referrer).post(url(referral, "letters/"), {"file": exe})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"file": ["Only PDF, PNG or JPEG files can be attached."]}
    assert not ReferralAttachment.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_someone_who_sees_the_referral_but_neither_sent_nor_receives_it_cannot_attach(people, api_for):
    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
    CareTeamMemberFactory(patient=people.child, user=nurse)
    referral = refer(people)
    response = api_for(nurse).post(url(referral, "letters/"), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403
    assert not ReferralAttachment.objects.exists()


def test_overdue_referrals_are_flagged(people, targets, api_for):
    referral = refer(people, urgency="urgent")
    Referral.objects.filter(pk=referral.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=10))
    [row] = api_for(people.oncologist).get(url()).json()["results"]
    assert row["overdue"] is True


def test_a_decline_reason_over_its_limit_is_refused_not_cut(people, api_for):
    """The outcome reason holds 300 characters: a longer one was cut to fit; now it is a 400."""
    referral = refer(people)
    before = snapshot()
    response = api_for(people.oncologist).post(
        url(referral, "decline/"), {"reason": "x" * 301}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["reason"] and "300 characters" in fields["reason"][0]
    assert snapshot() == before
