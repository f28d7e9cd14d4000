"""Every patient, guardian and care-team route, HTML and API, for the five standing subjects.

Out of scope is always 404 and changes nothing; every in-scope read writes an AccessEvent.
In scope but without the role to write (a family changing the care team) is 403.
"""

import pytest

from apps.audit.models import AccessEvent
from apps.pathways.models import Relapse
from apps.patients.models import CareTeamMember, Guardian

SUBJECTS = ["family_a", "family_b", "nurse_a", "nurse_other", "nurse_glass"]

# Which subjects may read child A on each surface.
IN_SCOPE = {
    "staff": {"nurse_a", "nurse_glass"},
    "portal": {"family_a"},
    "api": {"family_a", "nurse_a", "nurse_glass"},
}

# The basis each in-scope subject's reads are recorded with (nurse A is also on the care team).
BASIS = {"family_a": "guardian", "nurse_a": "named_nurse", "nurse_glass": "break_glass"}

READ_ROUTES = [
    ("staff", "/patients/{a}/"),
    ("staff", "/patients/{a}/edit/"),
    ("staff", "/patients/{a}/access-log/"),
    ("staff", "/patients/{a}/guardians/add/"),
    ("staff", "/patients/{a}/care-team/add/"),
    ("staff", "/patients/{a}/pathway/"),
    ("staff", "/patients/{a}/pathway/timeline/"),
    ("portal", "/portal/children/{a}/"),
    ("api", "/api/v1/patients/{a}/"),
    ("api", "/api/v1/patients/{a}/guardians/"),
    ("api", "/api/v1/patients/{a}/guardians/{g}/"),
    ("api", "/api/v1/patients/{a}/care-team/"),
    ("api", "/api/v1/patients/{a}/care-team/{m}/"),
]


def _url(template, cast):
    return template.format(a=cast.child_a.pk, g=cast.guardian_a.pk, m=cast.member_a.pk)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("surface", "template"), READ_ROUTES)
def test_read_routes_are_scoped_and_audited(cast, client, subject, surface, template):
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()

    response = client.get(_url(template, cast))

    after = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    if subject in IN_SCOPE[surface]:
        assert response.status_code == 200
        assert after == before + 1
        event = AccessEvent.objects.filter(user=user, patient=cast.child_a).first()
        assert event.request_id == response["X-Request-ID"]
        assert event.via_break_glass == (subject == "nurse_glass")
        assert event.basis == BASIS[subject]
        assert event.channel == ("api" if surface == "api" else "page")
    else:
        assert response.status_code == 404
        assert after == before


WRITE_ROUTES = [
    # surface, method, url, payload, "changed?" probe
    ("staff", "post", "/patients/{a}/guardians/{g}/deactivate/", {}, "guardian_inactive"),
    ("staff", "post", "/patients/{a}/care-team/{m}/end/", {}, "member_ended"),
    (
        "staff",
        "post",
        "/patients/{a}/guardians/add/",
        {
            "full_name": "New Person",
            "email": "new.person@example.org",
            "relationship": "father",
            "has_parental_responsibility": "on",
        },
        "guardian_added",
    ),
    ("api", "post", "/api/v1/patients/{a}/guardians/{g}/deactivate/", {}, "guardian_inactive"),
    ("api", "post", "/api/v1/patients/{a}/care-team/{m}/end/", {}, "member_ended"),
    (
        "api",
        "post",
        "/api/v1/patients/{a}/guardians/",
        {"full_name": "New Person", "email": "new.person@example.org", "relationship": "father"},
        "guardian_added",
    ),
    ("api", "patch", "/api/v1/patients/{a}/", {"school": "Changed School"}, "school_changed"),
    (
        "staff",
        "post",
        "/patients/{a}/pathway/relapse/",
        {"relapse-onset_date": "2026-01-05", "relapse-severity": "mild", "relapse-trigger": "illness"},
        "relapse_added",
    ),
]


def _changed(probe, cast):
    if probe == "guardian_inactive":
        return not Guardian.objects.get(pk=cast.guardian_a.pk).is_active
    if probe == "member_ended":
        return CareTeamMember.objects.get(pk=cast.member_a.pk).end_date is not None
    if probe == "guardian_added":
        return Guardian.objects.filter(patient=cast.child_a, user__email="new.person@example.org").exists()
    if probe == "relapse_added":
        return Relapse.objects.filter(patient=cast.child_a).exists()
    if probe == "school_changed":
        cast.child_a.refresh_from_db()
        return cast.child_a.school == "Changed School"
    raise AssertionError(probe)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("surface", "method", "template", "payload", "probe"), WRITE_ROUTES)
def test_write_routes_are_scoped(cast, client, subject, surface, method, template, payload, probe):
    client.force_login(getattr(cast, subject))
    url = _url(template, cast)
    if surface == "api":
        response = getattr(client, method)(url, payload, content_type="application/json")
    else:
        response = getattr(client, method)(url, payload)

    if subject not in IN_SCOPE[surface]:
        assert response.status_code == 404
        assert not _changed(probe, cast)
    elif subject.startswith("family"):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert not _changed(probe, cast)
    else:
        assert response.status_code in (200, 201, 302)
        assert _changed(probe, cast)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_patient_list_shows_only_visible_children(cast, api_for, subject):
    response = api_for(getattr(cast, subject)).get("/api/v1/patients/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = {
        "family_a": {cast.child_a.pk},
        "family_b": {cast.child_b.pk},
        "nurse_a": {cast.child_a.pk},
        "nurse_other": set(),
        "nurse_glass": {cast.child_a.pk},
    }[subject]
    assert ids == expected
    assert AccessEvent.objects.filter(user=getattr(cast, subject), what="patient list").count() == len(
        expected
    )


def test_nurse_cannot_reach_another_childs_record(cast, client_for):
    client = client_for(cast.nurse_a)
    assert client.get(f"/patients/{cast.child_b.pk}/").status_code == 404
    assert client.get(f"/api/v1/patients/{cast.child_b.pk}/guardians/").status_code == 404
    assert (
        client.get(f"/api/v1/patients/{cast.child_a.pk}/guardians/{cast.guardian_b.pk}/").status_code == 404
    )


def test_missing_and_forbidden_look_the_same(cast, api_for):
    client = api_for(cast.family_b)
    forbidden = client.get(f"/api/v1/patients/{cast.child_a.pk}/")
    missing = client.get("/api/v1/patients/999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_anonymous_users_are_sent_to_log_in(cast, client, api):
    response = client.get(f"/patients/{cast.child_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    response = client.get(f"/portal/children/{cast.child_a.pk}/")
    assert response["Location"].startswith("/portal/login/")
    assert api.get(f"/api/v1/patients/{cast.child_a.pk}/").status_code in (401, 403)


# Referrals and tasks have their own audiences, so each route names who may see it.
@pytest.fixture
def referral_and_task(cast):
    from apps.accounts.models import Team
    from apps.referrals import services as referrals
    from apps.tasks.models import Task

    oncology, _ = Team.objects.get_or_create(code="oncology", defaults={"name": "Oncology"})
    referral = referrals.referral_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        target_team=oncology,
        reason="Please assess",
        urgency="routine",
    )
    task = Task.objects.create(title="Call the family", patient=cast.child_a, assignee=cast.nurse_a)
    return referral, task


ROUTED = [
    # url, subjects who get 200 (everyone else 404)
    ("/referrals/{r}/", {"nurse_a", "nurse_glass"}),
    ("/patients/{a}/refer/", {"nurse_a", "nurse_glass"}),
    ("/tasks/{t}/", {"nurse_a"}),
    ("/caseload/", {"nurse_a", "nurse_other", "nurse_glass"}),
    ("/referrals/", {"nurse_a", "nurse_other", "nurse_glass"}),
    ("/tasks/", {"nurse_a", "nurse_other", "nurse_glass"}),
]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("template", "allowed"), ROUTED)
def test_referral_task_and_caseload_pages_are_scoped(
    cast, client, referral_and_task, subject, template, allowed
):
    referral, task = referral_and_task
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    response = client.get(template.format(r=referral.pk, a=cast.child_a.pk, t=task.pk))
    assert response.status_code == (200 if subject in allowed else 404)
    reads_child = "{" in template  # pages about child A must log the read; lists log only what they show
    if reads_child and subject in allowed:
        assert AccessEvent.objects.filter(user=user, patient=cast.child_a).count() == before + 1
    if subject not in allowed:
        assert AccessEvent.objects.filter(user=user, patient=cast.child_a).count() == before


def test_lists_never_show_another_teams_or_childs_rows(cast, client, referral_and_task):
    client.force_login(cast.nurse_other)
    assert b"Please assess" not in client.get("/referrals/").content
    assert b"Call the family" not in client.get("/tasks/").content
    assert cast.child_a.family_name.upper().encode() not in client.get("/caseload/").content


@pytest.fixture
def booking(cast):
    import datetime

    from django.utils import timezone

    from apps.scheduling import services as scheduling

    start = timezone.now() + datetime.timedelta(days=2)
    appointment = scheduling.appointment_book(
        actor=cast.nurse_a,
        patient=cast.child_a,
        kind="infusion",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        internal_notes="STAFF-ONLY-NOTE",
        preparation_notes="Bring snacks",
    )
    series = scheduling.series_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="IVIG",
        interval_days=28,
        count=2,
        first_starts_at=start + datetime.timedelta(days=7),
    )
    return appointment, series


SCHEDULING = [
    # url, subjects who get 200 (everyone else 404)
    ("/patients/{a}/appointments/", {"nurse_a", "nurse_glass"}),
    ("/patients/{a}/series/new/", {"nurse_a", "nurse_glass"}),
    ("/series/{s}/", {"nurse_a", "nurse_glass"}),
    ("/api/v1/patients/{a}/appointments/", {"nurse_a", "nurse_glass", "family_a"}),
    ("/api/v1/appointments/{p}/", {"nurse_a", "nurse_glass", "family_a"}),
    ("/api/v1/series/{s}/", {"nurse_a", "nurse_glass"}),
    ("/portal/children/{a}/", {"family_a"}),
]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("template", "allowed"), SCHEDULING)
def test_scheduling_routes_are_scoped_audited_and_keep_staff_notes_from_families(
    cast, client, booking, subject, template, allowed
):
    appointment, series = booking
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    response = client.get(template.format(a=cast.child_a.pk, p=appointment.pk, s=series.pk))
    if subject in allowed:
        assert response.status_code == 200
        assert AccessEvent.objects.filter(user=user, patient=cast.child_a).count() == before + 1
        if subject.startswith("family"):
            assert b"STAFF-ONLY-NOTE" not in response.content
    else:
        # Staff-only API endpoints refuse families with 403 before looking anything up; the rest is 404.
        refused = {403, 404} if template.startswith("/api/v1/series") else {404}
        assert response.status_code in refused
        assert AccessEvent.objects.filter(user=user, patient=cast.child_a).count() == before


# Family portal and shared documents: every new route, read and write, for the five subjects.
PORTAL_ROUTES = [
    # method, url, subjects who may use it (everyone else 404, nothing changes), "changed?" probe
    ("get", "/portal/children/{a}/documents/", {"family_a"}, None),
    ("get", "/portal/children/{a}/documents/{d}/", {"family_a"}, None),
    ("get", "/portal/children/{a}/symptoms/", {"family_a"}, None),
    ("get", "/portal/children/{a}/symptoms/sent/", {"family_a"}, None),
    ("get", "/portal/children/{a}/appointments/{p}/cant-make-it/", {"family_a"}, None),
    ("post", "/portal/children/{a}/appointments/{p}/confirm/", {"family_a"}, "confirmed"),
    ("post", "/portal/children/{a}/appointments/{p}/cant-make-it/", {"family_a"}, "cant_make_it"),
    ("post", "/portal/children/{a}/symptoms/", {"family_a"}, "symptoms_reported"),
    ("get", "/patients/{a}/documents/", {"nurse_a", "nurse_glass"}, None),
    ("get", "/patients/{a}/documents/{d}/", {"nurse_a", "nurse_glass"}, None),
    ("get", "/patients/{a}/guardians/invite/", {"nurse_a", "nurse_glass"}, None),
    ("post", "/patients/{a}/documents/{d}/withdraw/", {"nurse_a", "nurse_glass"}, "document_withdrawn"),
    ("post", "/patients/{a}/guardians/invite/", {"nurse_a", "nurse_glass"}, "invited"),
    ("post", "/patients/{a}/invitations/{i}/withdraw/", {"nurse_a", "nurse_glass"}, "invitation_withdrawn"),
]
PORTAL_PAYLOADS = {
    "cant_make_it": {"reason": "School trip"},
    "symptoms_reported": {
        "unsteady": "a_lot",
        "jerky_movements": "no",
        "eye_movements": "a_little",
        "sleep": "no",
        "behaviour": "no",
        "speech": "no",
        "recent_illness": "no",
    },
    "invited": {"full_name": "New Person", "email": "new.person@example.org", "relationship": "father"},
}


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("method", "template", "allowed", "probe"), PORTAL_ROUTES)
def test_portal_and_document_routes_are_scoped_and_audited(
    cast, client, booking, settings, tmp_path, subject, method, template, allowed, probe
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from apps.documents.services import document_upload
    from apps.pathways.models import SymptomReport
    from apps.patients.models import GuardianInvitation
    from apps.patients.services import invitation_send
    from apps.scheduling.models import AppointmentEvent
    from apps.tasks.models import Task

    settings.MEDIA_ROOT = tmp_path
    appointment, _ = booking
    document = document_upload(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="Clinic letter",
        dated=timezone.localdate(),
        upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    invitation = invitation_send(
        actor=cast.nurse_a,
        patient=cast.child_a,
        email="waiting@example.org",
        full_name="W",
        relationship="mother",
    )
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    url = template.format(a=cast.child_a.pk, d=document.pk, p=appointment.pk, i=invitation.pk)

    response = getattr(client, method)(url, PORTAL_PAYLOADS.get(probe, {}))

    changed = {
        None: lambda: False,
        "confirmed": lambda: AppointmentEvent.objects.filter(
            appointment=appointment, kind="confirmed"
        ).exists(),
        "cant_make_it": lambda: Task.objects.filter(
            source_key__startswith=f"appointment:{appointment.pk}:"
        ).exists(),
        "symptoms_reported": lambda: SymptomReport.objects.exists(),
        "document_withdrawn": lambda: type(document).objects.get(pk=document.pk).is_withdrawn,
        "invited": lambda: GuardianInvitation.objects.filter(email="new.person@example.org").exists(),
        "invitation_withdrawn": lambda: (
            GuardianInvitation.objects.get(pk=invitation.pk).revoked_at is not None
        ),
    }[probe]
    after = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    if subject in allowed:
        assert response.status_code in ((200,) if method == "get" else (302,)), url
        if method == "get":
            assert after == before + 1, url  # every read of the child is audited (downloads too)
            if subject.startswith("family") and not url.endswith(f"/documents/{document.pk}/"):
                assert b"STAFF-ONLY-NOTE" not in response.content
        if probe:
            assert changed(), url
    else:
        assert response.status_code == 404, url
        assert after == before
        assert not changed(), url


# MDT meetings: the schedule is for staff; a child on the list is for those who may see the child; listing
# needs the child's care team and outcomes the chair (in scope without the role: 403).
@pytest.fixture
def mdt_listing(cast):
    import datetime

    from django.utils import timezone

    from apps.accounts.models import StaffProfile, Team
    from apps.mdt import services as mdt

    from .factories import StaffFactory

    team, _ = Team.objects.get_or_create(code="neurology", defaults={"name": "Neurology"})
    chair = StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"])
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = mdt.meeting_schedule(
        actor=chair, team=team, title="OMS clinic MDT", starts_at=start, chair=chair
    )
    mdt.meeting_schedule(
        actor=chair,
        team=team,
        title="OMS clinic MDT",
        starts_at=start + datetime.timedelta(days=14),
        chair=chair,
    )
    item = mdt.item_add(actor=cast.nurse_a, meeting=meeting, patient=cast.child_a, question="Rituximab?")
    return meeting, item


_STAFF_200 = {"nurse_a": 200, "nurse_other": 200, "nurse_glass": 200}
_CHILD_200 = {"nurse_a": 200, "nurse_glass": 200}
MDT_ROUTES = [
    # method, url, {subject: status} (everyone else 404), does a 200 read child A?
    ("get", "/mdt/", _STAFF_200, False),
    ("get", "/mdt/{m}/", _STAFF_200, True),
    ("get", "/mdt/{m}/screen/", _STAFF_200, True),
    ("get", "/mdt/{m}/add/?patient={a}", {"nurse_a": 200, "nurse_glass": 403}, True),
    ("get", "/mdt/items/{i}/", _CHILD_200, True),
    ("post", "/mdt/items/{i}/", {"nurse_a": 403, "nurse_glass": 403}, False),
    ("post", "/mdt/items/{i}/move/", {"nurse_a": 403, "nurse_glass": 403}, False),
    ("post", "/mdt/items/{i}/carry-over/", {"nurse_a": 302, "nurse_glass": 403}, False),
    ("post", "/mdt/{m}/attendance/", {"nurse_a": 403, "nurse_other": 403, "nurse_glass": 403}, False),
    ("api-get", "/api/v1/mdt/meetings/", {**_STAFF_200, "family_a": 403, "family_b": 403}, False),
    ("api-get", "/api/v1/mdt/meetings/{m}/", _STAFF_200, True),
    ("api-get", "/api/v1/mdt/items/{i}/", _CHILD_200, True),
    ("api-post", "/api/v1/mdt/items/{i}/outcome/", {"nurse_a": 403, "nurse_glass": 403}, False),
    (
        "api-post",
        "/api/v1/mdt/meetings/{m}/order/",
        {"nurse_a": 403, "nurse_other": 403, "nurse_glass": 403},
        False,
    ),
]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("method", "template", "expected", "reads_child"), MDT_ROUTES)
def test_mdt_routes_are_scoped_and_audited(
    cast, client, mdt_listing, subject, method, template, expected, reads_child
):
    from apps.mdt.models import Item, Outcome

    meeting, item = mdt_listing
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    url = template.format(m=meeting.pk, i=item.pk, a=cast.child_a.pk)
    payload = {"reason": "Awaiting MRI", "decision": "Start", "agreed_by": [user.pk], "item_ids": [item.pk]}
    if method.startswith("api-"):
        call = getattr(client, method[4:])
        response = call(url, payload, content_type="application/json") if method == "api-post" else call(url)
    else:
        response = getattr(client, method)(url, payload) if method == "post" else client.get(url)

    status = expected.get(subject, 404)
    assert response.status_code == status, url
    after = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    sees_child = subject in _CHILD_200
    assert after == before + (1 if status == 200 and reads_child and sees_child else 0), url
    if status in (403, 404):
        assert not Outcome.objects.exists()
        assert Item.objects.get(pk=item.pk).status == Item.Status.LISTED


# FHIR (/fhir/): every route, for the five subjects. Reads of child A's resources are 404 (an
# OperationOutcome) outside the audience and audited inside it; searches answer 200 for anyone signed
# in but only ever contain what that reader may see (an empty Bundle otherwise), and are audited per
# child returned. The audiences follow the owning app's rules: families get their own child, the
# guardians, the care team, family-visible appointments and family-thread messages, never the
# clinical record, referrals, tasks or staff-only threads; a task shows only on its worklists.
FHIR_STAFF = {"nurse_a", "nurse_glass"}
FHIR_FAMILY_TOO = FHIR_STAFF | {"family_a"}
FHIR_READS = [
    # url (keys of tests.fhir.fixtures.make_record's ids), subjects who get 200 (everyone else 404)
    ("/fhir/Patient/{Patient}", FHIR_FAMILY_TOO),
    ("/fhir/Patient/{Patient}/$everything", FHIR_FAMILY_TOO),
    ("/fhir/RelatedPerson/{RelatedPerson}", FHIR_FAMILY_TOO),
    ("/fhir/CareTeam/{CareTeam}", FHIR_FAMILY_TOO),
    ("/fhir/EpisodeOfCare/{EpisodeOfCare}", FHIR_STAFF),
    ("/fhir/Condition/{Condition}", FHIR_STAFF),
    ("/fhir/Condition/{Condition:nb}", FHIR_STAFF),
    ("/fhir/Observation/{Observation}", FHIR_STAFF),
    ("/fhir/ServiceRequest/{ServiceRequest}", FHIR_STAFF),
    ("/fhir/ServiceRequest/{ServiceRequest:inv}", FHIR_STAFF),
    ("/fhir/DiagnosticReport/{DiagnosticReport}", FHIR_STAFF),
    ("/fhir/Appointment/{Appointment}", FHIR_FAMILY_TOO),
    ("/fhir/Task/{Task}", {"nurse_a"}),
    ("/fhir/Communication/{Communication}", FHIR_FAMILY_TOO),
    ("/fhir/Communication/{Communication:staff}", FHIR_STAFF),
]
FHIR_SEARCHES = [
    # resource type searched with patient=A, subjects who find A's rows (everyone else an empty Bundle)
    ("Patient", FHIR_FAMILY_TOO),
    ("RelatedPerson", FHIR_FAMILY_TOO),
    ("CareTeam", FHIR_FAMILY_TOO),
    ("EpisodeOfCare", FHIR_STAFF),
    ("Condition", FHIR_STAFF),
    ("Observation", FHIR_STAFF),
    ("ServiceRequest", FHIR_STAFF),
    ("DiagnosticReport", FHIR_STAFF),
    ("Appointment", FHIR_FAMILY_TOO),
    ("Task", {"nurse_a"}),
    ("Communication", FHIR_FAMILY_TOO),
]
# Directory resources: staff only; families (and anyone without a staff role) get empty Bundles and 404s.
FHIR_DIRECTORY = ["Practitioner", "PractitionerRole", "Organization"]


@pytest.fixture
def fhir_record(cast):  # type: ignore[no-untyped-def]
    from tests.fhir.fixtures import make_record

    return make_record(cast.child_a, cast.nurse_a, cast.family_a)


def _fhir_url(template, record):  # type: ignore[no-untyped-def]
    import re

    return re.sub(r"\{([^}]+)\}", lambda m: record.ids[m.group(1)], template)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("template", "allowed"), FHIR_READS)
def test_fhir_reads_are_scoped_and_audited(cast, client, fhir_record, subject, template, allowed):
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    response = client.get(_fhir_url(template, fhir_record))
    after = AccessEvent.objects.filter(user=user, patient=cast.child_a)
    assert response["Content-Type"].startswith("application/fhir+json")
    if subject in allowed:
        assert response.status_code == 200
        assert after.count() == before + 1
        assert after.order_by("-pk").first().channel == "fhir"
    else:
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"
        assert after.count() == before


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize(("resource_type", "allowed"), FHIR_SEARCHES)
def test_fhir_searches_only_return_what_the_reader_may_see(
    cast, client, fhir_record, subject, resource_type, allowed
):
    user = getattr(cast, subject)
    client.force_login(user)
    before = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    response = client.get(f"/fhir/{resource_type}?patient={cast.child_a.pk}")
    assert response.status_code == 200
    total = response.json()["total"]
    after = AccessEvent.objects.filter(user=user, patient=cast.child_a).count()
    if subject in allowed:
        assert total >= 1 and after == before + 1
    else:
        assert total == 0 and after == before


@pytest.mark.parametrize("subject", [*SUBJECTS, "admin"])
@pytest.mark.parametrize("resource_type", FHIR_DIRECTORY)
def test_fhir_directory_is_for_staff_only(cast, client, subject, resource_type):
    user = getattr(cast, subject)
    client.force_login(user)
    ids = {"Practitioner": cast.nurse_a.pk, "Organization": cast.nurse_a.staff_profile.teams.first().pk}
    ids["PractitionerRole"] = cast.nurse_a.staff_profile.teams.through.objects.first().pk
    listed = client.get(f"/fhir/{resource_type}").json()["total"]
    read = client.get(f"/fhir/{resource_type}/{ids[resource_type]}").status_code
    if subject.startswith("family"):
        assert (listed, read) == (0, 404)
    else:
        assert listed >= 1 and read == 200


@pytest.mark.parametrize("subject", [*SUBJECTS, None])
def test_fhir_capability_statement_is_open_to_all(cast, client, subject):
    if subject:
        client.force_login(getattr(cast, subject))
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "CapabilityStatement"
