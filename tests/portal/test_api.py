"""The portal's API: symptom reports (a guardian sends one, staff list and review them) and guardian
invitations (staff send, list and withdraw them); with family isolation (another child is a 404), roles
(403), bad input (400 with field errors and nothing written), the family's narrower view, audit and query
counts. The token of an invitation, and its hash, never appear in an answer."""

import re

import pytest

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.notifications.models import Delivery
from apps.pathways import services as pathways
from apps.pathways.models import SymptomReport
from apps.pathways.timeline import timeline_for
from apps.patients import services as patients
from apps.patients.models import GuardianInvitation
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, GuardianFactory, StaffFactory
from ..sent_mail import send_and_read
from . import SYMPTOMS, SYMPTOMS_ALL_NO

FAMILY_REPORT_KEYS = {"id", "patient", "submitted_at", *SYMPTOMS, "free_text"}
STAFF_REPORT_KEYS = FAMILY_REPORT_KEYS | {
    "reported_by",
    "reported_by_name",
    "summary",
    "is_reviewed",
    "reviewed_by",
    "reviewed_by_name",
    "reviewed_at",
}
INVITE = {"full_name": "Grace Grandparent", "email": "Grace.G@Example.org", "relationship": "grandparent"}


def reports_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/symptom-reports/"


def review_url(report) -> str:
    return f"/api/v1/symptom-reports/{report.pk}/review/"


def invitations_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/invitations/"


def withdraw_url(invitation) -> str:
    return f"/api/v1/invitations/{invitation.pk}/withdraw/"


def audited(user, patient, what: str) -> int:
    return AccessEvent.objects.filter(user=user, patient=patient, what=what).count()


def error_of(response) -> dict:
    return response.json()["error"]


def report(actor, patient, free_text: str = "", **answers) -> SymptomReport:
    return pathways.symptom_report_submit(
        actor=actor, patient=patient, **{**SYMPTOMS, **answers}, free_text=free_text
    )


def invite(actor, patient, **fields) -> GuardianInvitation:
    return patients.invitation_send(actor=actor, patient=patient, **{**INVITE, **fields})


def reports_written():
    return (
        SymptomReport.objects.count(),
        list(SymptomReport.objects.order_by("pk").values_list("reviewed_by", "reviewed_at")),
        list(Task.objects.order_by("pk").values_list("status", flat=True)),
    )


def invitations_written():
    return (
        list(GuardianInvitation.objects.order_by("pk").values_list("email", "revoked_at", "accepted_at")),
        Delivery.objects.count(),
    )


# --- Sending a symptom report ---------------------------------------------------------------------


def test_a_guardian_sends_a_report_and_the_named_nurse_gets_exactly_one_urgent_task(cast, api_for):
    response = api_for(cast.family_a).post(
        reports_url(cast.child_a), {**SYMPTOMS, "free_text": "Wobbly since Tuesday"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    report = SymptomReport.objects.get()
    assert body["id"] == report.pk
    assert (report.patient, report.reported_by, report.free_text) == (
        cast.child_a,
        cast.family_a,
        "Wobbly since Tuesday",
    )
    assert (report.unsteady, report.sleep, report.recent_illness) == ("a_lot", "a_little", "yes")
    task = Task.objects.get()
    assert (task.source, task.priority, task.assignee, task.patient) == (
        Task.Source.SYMPTOM_REPORT,
        Task.Priority.URGENT,
        cast.nurse_a,
        cast.child_a,
    )
    assert task.source_key == f"symptom-report:{report.pk}"
    # The family's confirmation: who has it, what happens next, and what to do meanwhile.
    assert set(body) == FAMILY_REPORT_KEYS | {"sent_to", "next_steps", "safety_advice"}
    assert body["sent_to"] == "Nina Nurse, Alice's nurse specialist"
    assert "will call you" in body["next_steps"]
    assert any("999" in line and "A&E" in line for line in body["safety_advice"])
    assert any("NHS 111" in line for line in body["safety_advice"])
    assert "reviewed_by" not in body and "reported_by" not in body


def test_a_report_flags_the_caseload_and_puts_a_possible_relapse_on_the_timeline(cast, api_for, client_for):
    api_for(cast.family_a).post(reports_url(cast.child_a), SYMPTOMS, format="json")

    [entry] = [e for e in timeline_for(cast.child_a) if e.kind == "symptoms"]
    assert entry.summary.startswith("Possible relapse")
    caseload = client_for(cast.nurse_a).get("/caseload/")
    assert "Symptoms reported by the family" in caseload.content.decode()


def test_sending_the_same_answers_twice_makes_one_report_and_one_task(cast, api_for):
    client = api_for(cast.family_a)
    first = client.post(reports_url(cast.child_a), SYMPTOMS, format="json")
    second = client.post(reports_url(cast.child_a), SYMPTOMS, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert SymptomReport.objects.count() == 1
    assert Task.objects.filter(source=Task.Source.SYMPTOM_REPORT).count() == 1


def test_without_a_named_nurse_the_nursing_queue_gets_the_urgent_task(cast, api_for):
    response = api_for(cast.family_b).post(reports_url(cast.child_b), SYMPTOMS_ALL_NO, format="json")

    assert response.status_code == 201
    assert response.json()["sent_to"] == "The nurse specialist team"
    task = Task.objects.get()
    assert (task.assignee, task.team.code, task.priority) == (None, "nursing", Task.Priority.URGENT)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({k: v for k, v in SYMPTOMS.items() if k != "eye_movements"}, {"eye_movements"}),
        ({}, {*SYMPTOMS}),
        ({**SYMPTOMS, "sleep": "sometimes"}, {"sleep"}),
        ({**SYMPTOMS, "recent_illness": "a_lot"}, {"recent_illness"}),
        ({**SYMPTOMS, "free_text": "x" * 2001}, {"free_text"}),
    ],
)
def test_missing_or_bad_answers_are_a_400_with_field_errors_and_nothing_is_sent(cast, api_for, data, fields):
    response = api_for(cast.family_a).post(reports_url(cast.child_a), data, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert not SymptomReport.objects.exists()
    assert not Task.objects.exists()


@pytest.mark.parametrize("who", ["nurse_a", "admin"])
def test_staff_cannot_send_a_family_symptom_report(cast, api_for, who):
    CareTeamMemberFactory(patient=cast.child_a, user=cast.admin, role=StaffProfile.Role.CLINIC_ADMIN)

    response = api_for(getattr(cast, who)).post(reports_url(cast.child_a), SYMPTOMS, format="json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not SymptomReport.objects.exists() and not Task.objects.exists()


@pytest.mark.parametrize(
    ("who", "child"), [("family_a", "child_b"), ("family_b", "child_a"), ("nurse_other", "child_a")]
)
def test_someone_outside_the_childs_care_gets_a_404_on_its_symptom_reports(cast, api_for, who, child):
    user, patient = getattr(cast, who), getattr(cast, child)
    client = api_for(user)

    listed = client.get(reports_url(patient))
    sent = client.post(reports_url(patient), SYMPTOMS, format="json")

    assert (listed.status_code, sent.status_code) == (404, 404)
    assert error_of(sent)["code"] == "not_found"
    assert not SymptomReport.objects.exists()
    assert not AccessEvent.objects.filter(user=user).exists()


# --- Listing and reviewing symptom reports --------------------------------------------------------


@pytest.fixture
def reports(cast):
    """Two reports about child A (from Anne and from a second guardian) and one about child B."""
    co_guardian = GuardianFactory(patient=cast.child_a).user
    mine = report(cast.family_a, cast.child_a, free_text="Wobbly")
    theirs = report(co_guardian, cast.child_a, free_text="Not sleeping", sleep="a_lot")
    other = report(cast.family_b, cast.child_b, free_text="Bobby is jerky")
    return mine, theirs, other


def test_staff_list_every_report_about_the_child_and_it_is_audited(cast, api_for, reports):
    mine, theirs, _ = reports

    response = api_for(cast.nurse_a).get(reports_url(cast.child_a))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [theirs.pk, mine.pk]  # newest first
    assert set(rows[1]) == STAFF_REPORT_KEYS
    assert (rows[1]["reported_by_name"], rows[1]["is_reviewed"], rows[1]["reviewed_by_name"]) == (
        "Anne Family",
        False,
        None,
    )
    assert rows[1]["summary"].startswith("unsteady walking or balance (a lot)")
    assert audited(cast.nurse_a, cast.child_a, "symptom reports") == 1


def test_a_family_lists_only_the_reports_they_sent_in_the_family_view(cast, api_for, reports):
    mine, _, _ = reports

    response = api_for(cast.family_a).get(reports_url(cast.child_a))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["free_text"]) == (mine.pk, "Wobbly")
    assert set(row) == FAMILY_REPORT_KEYS
    assert "Not sleeping" not in response.content.decode()
    assert audited(cast.family_a, cast.child_a, "symptom reports") == 1


def test_a_nurse_reviews_a_report_and_its_urgent_task_closes(cast, api_for, reports):
    mine, _, _ = reports

    response = api_for(cast.nurse_a).post(review_url(mine))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["is_reviewed"], body["reviewed_by"], body["reviewed_by_name"]) == (
        mine.pk,
        True,
        cast.nurse_a.pk,
        "Nina Nurse",
    )
    mine.refresh_from_db()
    assert mine.reviewed_by == cast.nurse_a and mine.reviewed_at is not None
    assert Task.objects.get(source_key=f"symptom-report:{mine.pk}").status == Task.Status.DONE
    open_tasks = Task.objects.filter(patient=cast.child_a).exclude(status=Task.Status.DONE)
    assert open_tasks.count() == 1  # the other guardian's report still waits


def test_reviewing_twice_is_a_409(cast, api_for, reports):
    mine, _, _ = reports
    client = api_for(cast.nurse_a)
    assert client.post(review_url(mine)).status_code == 200

    again = client.post(review_url(mine))

    assert again.status_code == 409
    assert error_of(again)["code"] == "stale"


def test_a_family_cannot_review_their_own_report(cast, api_for, reports):
    mine, _, _ = reports
    before = reports_written()

    response = api_for(cast.family_a).post(review_url(mine))

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert reports_written() == before


def test_a_role_that_cannot_record_relapses_cannot_review(cast, api_for, reports):
    mine, _, _ = reports
    CareTeamMemberFactory(patient=cast.child_a, user=cast.admin, role=StaffProfile.Role.CLINIC_ADMIN)
    before = reports_written()

    response = api_for(cast.admin).post(review_url(mine))

    assert response.status_code == 403
    assert reports_written() == before


@pytest.mark.parametrize(
    ("who", "which"), [("family_b", 0), ("family_a", 1), ("family_a", 2), ("nurse_other", 0)]
)
def test_a_report_out_of_the_callers_view_is_a_404_to_review(cast, api_for, reports, who, which):
    before = reports_written()

    response = api_for(getattr(cast, who)).post(review_url(reports[which]))

    assert response.status_code == 404
    assert reports_written() == before


def test_a_missing_report_is_a_404(cast, api_for):
    assert api_for(cast.nurse_a).post("/api/v1/symptom-reports/999999/review/").status_code == 404


# --- Guardian invitations -------------------------------------------------------------------------


def _token_in_email() -> str:
    email = send_and_read("grace.g@example.org")
    return re.search(r"/portal/invite/([\w-]+)/", email.body).group(1)


def test_staff_invite_a_guardian_and_neither_the_token_nor_its_hash_is_returned(cast, api_for):
    response = api_for(cast.nurse_a).post(invitations_url(cast.child_a), INVITE, format="json")

    assert response.status_code == 201
    body = response.json()
    invitation = GuardianInvitation.objects.get()
    assert body["id"] == invitation.pk
    assert (invitation.patient, invitation.email, invitation.full_name, invitation.created_by) == (
        cast.child_a,
        "grace.g@example.org",
        "Grace Grandparent",
        cast.nurse_a,
    )
    assert (body["email"], body["relationship"], body["is_pending"], body["created_by_name"]) == (
        "grace.g@example.org",
        "grandparent",
        True,
        "Nina Nurse",
    )
    assert "token_hash" not in body and "token" not in body
    token = _token_in_email()
    assert token not in response.content.decode()
    assert invitation.token_hash not in response.content.decode()


def test_staff_list_the_childs_open_invitations_without_tokens_and_it_is_audited(cast, api_for):
    waiting = invite(cast.nurse_a, cast.child_a)
    withdrawn = invite(cast.nurse_a, cast.child_a, email="old@example.org")
    patients.invitation_revoke(actor=cast.nurse_a, invitation=withdrawn)
    invite(cast.admin, cast.child_b, email="bobby.gran@example.org")

    response = api_for(cast.nurse_a).get(invitations_url(cast.child_a))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["full_name"], row["is_pending"]) == (waiting.pk, "Grace Grandparent", True)
    assert "token_hash" not in row
    assert waiting.token_hash not in response.content.decode()
    assert audited(cast.nurse_a, cast.child_a, "guardian invitations") == 1


def test_a_replaced_invitation_leaves_only_the_new_one_open(cast, api_for):
    client = api_for(cast.nurse_a)
    first = client.post(invitations_url(cast.child_a), INVITE, format="json").json()
    second = client.post(invitations_url(cast.child_a), INVITE, format="json").json()

    rows = client.get(invitations_url(cast.child_a)).json()["results"]

    assert [row["id"] for row in rows] == [second["id"]]
    assert GuardianInvitation.objects.get(pk=first["id"]).revoked_at is not None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**INVITE, "email": "not-an-email"}, "email"),
        ({**INVITE, "full_name": ""}, "full_name"),
        ({k: v for k, v in INVITE.items() if k != "full_name"}, "full_name"),
        ({**INVITE, "relationship": "neighbour"}, "relationship"),
    ],
)
def test_bad_invitations_are_a_400_with_field_errors_and_nothing_is_sent(cast, api_for, data, field):
    before = invitations_written()

    response = api_for(cast.nurse_a).post(invitations_url(cast.child_a), data, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert invitations_written() == before


def test_a_service_refusal_keeps_its_field(cast, api_for):
    response = api_for(cast.nurse_a).post(
        invitations_url(cast.child_a), {**INVITE, "email": cast.nurse_other.email}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["fields"]["email"] == [
        "This email belongs to a staff account; use a personal email."
    ]
    assert not GuardianInvitation.objects.exists()


def test_a_family_cannot_list_send_or_withdraw_invitations(cast, api_for):
    invitation = invite(cast.nurse_a, cast.child_a)
    client = api_for(cast.family_a)
    before = invitations_written()

    responses = [
        client.get(invitations_url(cast.child_a)),
        client.post(invitations_url(cast.child_a), {**INVITE, "email": "x@example.org"}, format="json"),
        client.post(withdraw_url(invitation)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {error_of(r)["code"] for r in responses} == {"permission_denied"}
    assert invitations_written() == before
    assert not AccessEvent.objects.filter(user=cast.family_a).exists()


def test_a_role_that_cannot_manage_guardians_is_refused(cast, api_for):
    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST)
    CareTeamMemberFactory(patient=cast.child_a, user=therapist, role=StaffProfile.Role.THERAPIST)
    invitation = invite(cast.nurse_a, cast.child_a)
    client = api_for(therapist)

    assert client.get(invitations_url(cast.child_a)).status_code == 403
    assert client.post(invitations_url(cast.child_a), INVITE, format="json").status_code == 403
    assert client.post(withdraw_url(invitation)).status_code == 403
    assert GuardianInvitation.objects.get().revoked_at is None


@pytest.mark.parametrize(
    ("who", "child"), [("family_a", "child_b"), ("family_b", "child_a"), ("nurse_other", "child_a")]
)
def test_someone_outside_the_childs_care_gets_a_404_on_its_invitations(cast, api_for, who, child):
    user, patient = getattr(cast, who), getattr(cast, child)
    staff = cast.nurse_a if patient == cast.child_a else cast.admin
    if patient == cast.child_b:
        CareTeamMemberFactory(patient=cast.child_b, user=cast.admin, role=StaffProfile.Role.CLINIC_ADMIN)
    invitation = invite(staff, patient)
    client = api_for(user)
    before = invitations_written()

    responses = [
        client.get(invitations_url(patient)),
        client.post(invitations_url(patient), {**INVITE, "email": "x@example.org"}, format="json"),
        client.post(withdraw_url(invitation)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert invitations_written() == before


def test_staff_withdraw_an_invitation_and_its_link_stops_working(cast, api_for, client):
    invitation = invite(cast.nurse_a, cast.child_a)
    token = _token_in_email()

    response = api_for(cast.nurse_a).post(withdraw_url(invitation))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["is_pending"]) == (invitation.pk, False)
    assert body["revoked_at"] is not None and "token_hash" not in body
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "withdrawn" in client.get(f"/portal/invite/{token}/").content.decode()


def test_withdrawing_a_used_or_withdrawn_invitation_is_a_409(cast, api_for):
    invitation = invite(cast.nurse_a, cast.child_a)
    client = api_for(cast.nurse_a)
    assert client.post(withdraw_url(invitation)).status_code == 200

    again = client.post(withdraw_url(invitation))

    assert again.status_code == 409
    assert error_of(again)["code"] == "stale"


def test_a_missing_invitation_is_a_404(cast, api_for):
    assert api_for(cast.nurse_a).post("/api/v1/invitations/999999/withdraw/").status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("subject", ["nurse_a", "family_a"])
def test_the_symptom_report_list_query_count_is_flat(
    cast, api_for, django_assert_max_num_queries, subject, size
):
    for n in range(size):
        report(cast.family_a, cast.child_a, free_text=f"Day {n}")
    client = api_for(getattr(cast, subject))

    with django_assert_max_num_queries(6):
        response = client.get(reports_url(cast.child_a))

    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_invitation_list_query_count_is_flat(cast, api_for, django_assert_max_num_queries, size):
    colleague = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    for n in range(size):
        invite(cast.nurse_a if n % 2 else colleague, cast.child_a, email=f"guardian{n}@example.org")
    client = api_for(cast.nurse_a)

    with django_assert_max_num_queries(6):
        response = client.get(invitations_url(cast.child_a))

    assert response.json()["count"] == size
