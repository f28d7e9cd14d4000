"""The access matrix's world: two children, one of each record about each, and the people who ask.

Built once per test module inside a transaction that is rolled back at the end (each test then
runs in a savepoint of it), so the matrix's thousand-odd requests share one set of rows.

Child A: named nurse and care team ``nurse_a``, guardian ``family_a``, a live break-glass grant
for ``nurse_glass``, an open referral from nurse_a to Oncology. Child B: guardian ``family_b`` and
``consultant_other`` on its care team (a consultant on another child's team, and on Neurology).
``nurse_other`` has no relationship with anyone (but recorded an outside referral about each
child, which waits in the identity queue); ``admin`` is the clinic administrator (the records
team). Neurology's MDT meeting (chaired by someone else) lists both children.
"""

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.audit.models import BreakGlassGrant
from apps.patients.models import Patient

from .factories import CareTeamMemberFactory, FamilyFactory, GuardianFactory, PatientFactory, StaffFactory

Role = StaffProfile.Role

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# Words only staff may read: no family response may ever contain them.
STAFF_ONLY_MARKERS = (b"STAFF-ONLY-NOTE", b"STAFF-ONLY-THREAD", b"STAFF-ONLY-MDT-BODY")

# The subjects who make requests. "anon" has no session.
SUBJECTS = (
    "nurse_a",
    "nurse_glass",
    "family_a",
    "family_b",
    "nurse_other",
    "consultant_other",
    "admin",
    "anon",
)


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class Records:
    """One of each record about one child; the keys are the names the URL parameters map to."""

    objects: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]


@dataclass
class World:
    users: dict[str, User]
    sessions: dict[str, str]
    child_a: Patient
    child_b: Patient
    a: Records
    b: Records

    def login(self, client: Client, subject: str) -> Client:
        """Give ``client`` the subject's session (made once, in the world)."""
        client.cookies.clear()
        if subject != "anon":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[subject]
        return client


def _people() -> dict[str, User]:
    return {
        "nurse_a": StaffFactory(full_name="Nina Nurse", role=Role.NURSE_SPECIALIST, role__teams=["nursing"]),
        "nurse_glass": StaffFactory(full_name="Gina Glass", role=Role.NURSE_SPECIALIST),
        "nurse_other": StaffFactory(full_name="Olly Other", role=Role.NURSE_SPECIALIST),
        "consultant_other": StaffFactory(
            full_name="Colin Other", role=Role.CONSULTANT, role__teams=["neurology"]
        ),
        "admin": StaffFactory(full_name="Ada Admin", role=Role.CLINIC_ADMIN),
        "family_a": FamilyFactory(full_name="Anne Family"),
        "family_b": FamilyFactory(full_name="Bert Family"),
        # Not subjects: they make the records a nurse may not (treatment, tumour, diagnosis).
        "consultant_a": StaffFactory(full_name="Cara Consultant", role=Role.CONSULTANT),
        "chair": StaffFactory(full_name="Carl Chair", role=Role.CONSULTANT, role__teams=["neurology"]),
        "oncologist": StaffFactory(
            full_name="Otto Oncologist", role=Role.CONSULTANT, role__teams=["oncology"]
        ),
    }


def _clinical_records(child: Patient, nurse: User, consultant: User, scale: Any) -> dict[str, Any]:
    from apps.pathways import services as pathways

    today = timezone.localdate()
    course = pathways.course_create(
        actor=consultant, patient=child, agent="ivig", start_date=today - datetime.timedelta(days=10)
    )
    investigation = pathways.investigation_request(actor=nurse, patient=child, kind="mibg")
    result = pathways.investigation_request(actor=nurse, patient=child, kind="mri_brain")
    pathways.investigation_record_result(
        actor=nurse, investigation=result, result_summary="Normal", abnormal=False
    )
    criterion = pathways.assessment_record_criterion(
        actor=consultant, patient=child, criterion="opsoclonus", present=True, observed_on=today
    )
    return {
        "investigation": investigation,
        "tumour": pathways.tumour_record(
            actor=consultant,
            patient=child,
            site="Adrenal",
            detected_on=today - datetime.timedelta(days=20),
            resected_on=today - datetime.timedelta(days=5),  # FHIR Procedure
        ),
        "course": course,
        "relapse": pathways.relapse_record(
            actor=nurse, patient=child, onset_date=today - datetime.timedelta(days=3), severity="mild"
        ),
        "score": pathways.score_record(
            actor=nurse,
            patient=child,
            scale=scale,
            assessed_on=today - datetime.timedelta(days=2),
            values={"gait": 1},
        ),
        "criterion": criterion,
        "assessment": criterion.assessment,
        "result": result,
    }


def _scheduling_records(child: Patient, nurse: User) -> dict[str, Any]:
    from apps.scheduling import services as scheduling

    start = timezone.now() + datetime.timedelta(days=2)
    appointment = scheduling.appointment_book(
        actor=nurse,
        patient=child,
        kind="infusion",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        internal_notes="STAFF-ONLY-NOTE",
        preparation_notes="Bring snacks",
    )
    series = scheduling.series_create(
        actor=nurse,
        patient=child,
        title="IVIG",
        interval_days=28,
        count=2,
        first_starts_at=start + datetime.timedelta(days=7),
    )
    return {
        "appointment": appointment,
        "series": series,
        "series_appointment": series.appointments.order_by("starts_at").first(),
    }


def _family_records(child: Patient, nurse: User, family: User) -> dict[str, Any]:
    from apps.documents.services import document_upload
    from apps.messaging import services as messaging
    from apps.messaging.models import Thread
    from apps.pathways import services as pathways
    from apps.patients import services as patients

    thread = messaging.thread_start(
        actor=nurse, patient=child, subject="Clinic letter", body="Here it is.", attachments=[pdf()]
    )
    staff_thread = messaging.thread_start(
        actor=nurse,
        patient=child,
        subject="STAFF-ONLY-THREAD",
        body="STAFF-ONLY-MDT-BODY",
        kind=Thread.Kind.STAFF_ONLY,
        attachments=[pdf("mdt.pdf")],
    )
    report = pathways.symptom_report_submit(
        actor=family,
        patient=child,
        unsteady="a_lot",
        jerky_movements="no",
        eye_movements="no",
        sleep="no",
        behaviour="no",
        speech="no",
        recent_illness="no",
    )
    return {
        "thread": thread,
        "message": thread.messages.get(),
        "attachment": thread.messages.get().attachments.get(),
        "staff_thread": staff_thread,
        "staff_message": staff_thread.messages.get(),
        "staff_attachment": staff_thread.messages.get().attachments.get(),
        "document": document_upload(
            actor=nurse, patient=child, title="Clinic letter", dated=timezone.localdate(), upload=pdf()
        ),
        "invitation": patients.invitation_send(
            actor=nurse,
            patient=child,
            email=f"waiting{child.pk}@example.org",
            full_name="W",
            relationship="mother",
        ),
        "symptom_report": report,
    }


def _work_records(child: Patient, nurse: User, team: Team) -> dict[str, Any]:
    from apps.referrals import services as referrals
    from apps.tasks import services as tasks

    referral = referrals.referral_create(
        actor=nurse, patient=child, target_team=team, reason="Please assess", letters=[pdf()]
    )
    return {
        "referral": referral,
        "letter": referral.attachments.get(),
        "task": tasks.task_create(actor=nurse, title="Call the family", assignee=nurse, patient=child),
    }


def _identity_referral(child: Patient, recorder: User, team: Team) -> Any:
    """An external referral about a known child, recorded by someone who cannot vouch for them: it
    waits in the identity queue of the child's own team and of the records team."""
    from apps.referrals import services as referrals
    from apps.referrals.models import Referral

    return referrals.referral_receive_external(
        actor=recorder,
        target_team=team,
        external_source=Referral.ExternalSource.GP,
        referrer_name="Dr Grace Practitioner",
        referrer_organisation="High Street Surgery",
        reason="Unsteady again",
        urgency=Referral.Urgency.ROUTINE,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        hospital_number=child.hospital_number,
    )


def _directory(staff: User) -> dict[str, Any]:
    """A member of staff, their team membership and the team: FHIR's directory, the same for both."""
    membership = StaffProfile.teams.through.objects.filter(staffprofile__user=staff).first()
    return {"practitioner": staff, "practitioner_role": membership, "team": membership.team}


def _transition_plan(child: Patient) -> Any:
    from apps.transition.models import TransitionPlan

    return TransitionPlan.objects.create(patient=child, opened_on=timezone.localdate())


def _emergency_plan(child: Patient, preparer: User, consultant: User) -> Any:
    """An approved plan, so that the family's page and downloads have a version to show."""
    from apps.emergency_plans import services

    version = services.plan_prepare(actor=preparer, patient=child)
    return services.plan_approve(actor=consultant, patient=child, number=version.number)


def _questionnaires(child: Patient, family: User) -> dict[str, Any]:
    """The demo questionnaire (seeded by its migration): one assignment waiting for the family, and
    one they answered (rows for the assignments: the world needs them, not a care team's action)."""
    from apps.questionnaires.models import Assignment, QuestionnaireVersion
    from apps.questionnaires.services import response_submit

    from .questionnaires.demo_rows import demo_questionnaire_row

    version = QuestionnaireVersion.objects.get(questionnaire=demo_questionnaire_row(), is_current=True)
    due = timezone.localdate() + datetime.timedelta(days=3)
    waiting = Assignment.objects.create(patient=child, version=version, reason="staff", due_on=due)
    answered = Assignment.objects.create(patient=child, version=version, reason="staff", due_on=due)
    response, _ = response_submit(actor=family, assignment=answered, answers=QUESTIONNAIRE_ANSWERS)
    return {"questionnaire_assignment": waiting, "questionnaire_response": response}


QUESTIONNAIRE_ANSWERS = {
    "settling": "easily",
    "night-waking": "1",
    "rages": "none",
    "content": "yes",
    "play": "as-usual",
}


def _videos(child: Patient, family: User) -> dict[str, Any]:
    """A processed video the family sent (its files in the world's media root) and an upload of
    theirs still arriving."""
    from apps.videos import services as videos
    from apps.videos import storage
    from apps.videos.models import Video

    video = Video(
        patient=child, uploaded_by=family, uploaded_type="video/mp4", uploaded_size=64, sha256="0" * 64
    )
    video.playable_name = storage.put(storage.video_name(child.pk, video.uid, "web.mp4"), b"\x00" * 64)
    video.thumbnail_name = storage.put(
        storage.video_name(child.pk, video.uid, "thumbnail.jpg"), b"\xff\xd8\xff"
    )
    video.playable_type, video.playable_size, video.status = "video/mp4", 64, Video.Status.READY
    video.save()
    upload = videos.upload_start(actor=family, patient=child, total_size=1000, note="Eyes")
    return {"video": video, "video_upload": upload}


def _mdt(chair: User, listers: dict[str, tuple[Patient, User, Records]]) -> None:
    """Neurology's next MDT meeting (and the one after, for carrying over), with each child listed
    and the outcome recorded (so that amending it can be refused, not just found missing)."""
    from apps.mdt import services as mdt

    team = Team.objects.get(code="neurology")
    start = timezone.now() + datetime.timedelta(days=2)
    meeting = mdt.meeting_schedule(
        actor=chair, team=team, title="OMS clinic MDT", starts_at=start, chair=chair
    )
    later = start + datetime.timedelta(days=14)
    mdt.meeting_schedule(actor=chair, team=team, title="OMS clinic MDT", starts_at=later, chair=chair)
    for child, lister, records in listers.values():
        item = mdt.item_add(actor=lister, meeting=meeting, patient=child, question="Rituximab?")
        mdt.outcome_record(actor=chair, item=item, decision="Start rituximab", agreed_by=[chair])
        records.objects.update(meeting=meeting, item=item)


def _school_letter(child: Patient, author: User, document: Any) -> dict[str, Any]:
    """An assessment and a school letter about the child (rows only: the world needs a letter to ask
    for, not a neuropsychologist on each care team); its document is the child's shared letter."""
    from apps.neuropsych.models import Assessment, DomainResult, SchoolLetter

    assessment = Assessment.objects.create(
        patient=child,
        assessed_on=timezone.localdate(),
        assessed_by=author,
        recommendations="Extra time.",
        recorded_by=author,
    )
    DomainResult.objects.create(assessment=assessment, domain="attention", band=3)
    letter = SchoolLetter.objects.create(
        patient=child, assessment=assessment, body="Dear school", document=document, created_by=author
    )
    return {"school_letter": letter}


def _consent_and_export(users: dict[str, User], a: Records, b: Records) -> None:
    """A registry consent for each child (by someone on its care team), and the administrator (given
    the research lead permission) has a finished export of it, so every research route acts on something."""
    from django.contrib.auth.models import Permission

    from apps.research import consent, export
    from apps.research.models import ConsentScope

    scope = ConsentScope.objects.create(code="matrix-registry", name="Matrix registry", kind="registry")
    for records, recorder in ((a, users["nurse_a"]), (b, users["consultant_other"])):
        child = records["child"]
        records.objects["consent"] = consent.consent_record(
            actor=recorder,
            patient=child,
            scope=scope,
            decision="permit",
            period_start=timezone.localdate(),
            period_end=None,
            consenter="young_person",
            verification="verbal_witnessed",
        )
    users["admin"].user_permissions.add(Permission.objects.get(codename="run_export"))
    users["admin"] = User.objects.get(pk=users["admin"].pk)  # no stale permission cache
    requested = export.export_request(actor=users["admin"], scope_code=scope.code, queue=False)
    a.objects["research_export"] = b.objects["research_export"] = export.export_build(export_id=requested.pk)


def _caseload_import(nurse: User) -> Any:
    """nurse_a's dry run of a one-row file for Nursing (a new child, not child A or B): hers alone."""
    from apps.imports import columns, services

    header = columns.header()
    row = dict.fromkeys(header, "")
    row.update(
        hospital_number="HIMPORT1",
        given_name="Zed",
        family_name="Imported",
        date_of_birth="2021-01-01",
        named_nurse_email=nurse.email,
    )
    data = (",".join(header) + "\r\n" + ",".join(row[c] for c in header) + "\r\n").encode()
    return services.import_upload(
        actor=nurse, team=Team.objects.get(code="nursing"), filename="caseload.csv", data=data
    )


def _bulk_export(admin: User, child: Patient) -> dict[str, Any]:
    """An integration client's finished export of Nursing, with one file (a row: its content is never
    reached, since every session is refused before the file is opened)."""
    from apps.fhir import services as fhir
    from apps.fhir.models import BulkExport, BulkExportFile

    team = Team.objects.get(code="nursing")
    client, _, _ = fhir.integration_client_create(
        actor=admin, name="Matrix engine", teams=[team], scopes="system/*.read"
    )
    export = BulkExport.objects.create(
        client=client,
        team=team,
        types=["Patient"],
        request_url=f"http://testserver/fhir/Group/{team.pk}/$export",
        status=BulkExport.Status.DONE,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    made = BulkExportFile.objects.create(
        export=export, resource_type="Patient", name=f"{export.pk}/Patient.ndjson", patient_ids=[child.pk]
    )
    return {"bulk_export": export, "bulk_export_file": made}


def _child_records(
    child: Patient, nurse: User, consultant: User, family: User, team: Team, scale: Any
) -> Records:
    records = Records()
    records.objects.update(_clinical_records(child, nurse, consultant, scale))
    records.objects.update(_scheduling_records(child, nurse))
    records.objects.update(_family_records(child, nurse, family))
    records.objects.update(_work_records(child, nurse, team))
    records.objects.update(_school_letter(child, nurse, records["document"]))
    records.objects.update(_questionnaires(child, family))
    return records


def _sessions(users: dict[str, User]) -> dict[str, str]:
    sessions = {}
    for name, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def build_world() -> World:
    from apps.pathways import services as pathways

    users = _people()
    child_a = PatientFactory(given_name="Alice", family_name="Aardvark", named_nurse=users["nurse_a"])
    child_b = PatientFactory(given_name="Bobby", family_name="Bramble")
    guardian_a = GuardianFactory(patient=child_a, user=users["family_a"])
    guardian_b = GuardianFactory(patient=child_b, user=users["family_b"])
    member_a = CareTeamMemberFactory(patient=child_a, user=users["nurse_a"])
    CareTeamMemberFactory(patient=child_a, user=users["consultant_a"], role=Role.CONSULTANT)
    member_b = CareTeamMemberFactory(patient=child_b, user=users["consultant_other"], role=Role.CONSULTANT)
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=users["nurse_glass"],
        patient=child_a,
        reason="Covering the ward tonight",
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    scale = pathways.scale_create(
        actor=None, name="Matrix scale", items=[pathways.ItemSpec("Gait", 0, 3, code="gait")]
    )
    oncology = Team.objects.get_or_create(code="oncology", defaults={"name": "Oncology"})[0]
    a = _child_records(child_a, users["nurse_a"], users["consultant_a"], users["family_a"], oncology, scale)
    b = _child_records(
        child_b, users["consultant_other"], users["consultant_other"], users["family_b"], oncology, scale
    )
    a.objects.update(child=child_a, guardian=guardian_a, member=member_a, grant=grant)
    b.objects.update(child=child_b, guardian=guardian_b, member=member_b)
    directory = _directory(users["nurse_a"])
    for records in (a, b):
        child = records["child"]
        records.objects["identity_referral"] = _identity_referral(child, users["nurse_other"], oncology)
        # The referral to Oncology put the child's Oncology track at "referred" (FHIR EpisodeOfCare).
        records.objects["track"] = child.tracks.get(specialty="oncology")
        # FHIR Flag: the caseload flag the unreviewed symptom report raises (its id is the child's and the flag's).
        records.objects["flag"] = SimpleNamespace(pk=f"{child.pk}-open-symptom-report")
        records.objects.update(directory)
    _mdt(users["chair"], {"a": (child_a, users["nurse_a"], a), "b": (child_b, users["consultant_other"], b)})
    for records in (a, b):  # a transition plan each, so every plan route has something to act on
        records.objects["transition_plan"] = _transition_plan(records["child"])
    a.objects["emergency_plan"] = _emergency_plan(child_a, users["nurse_a"], users["consultant_a"])
    b.objects["emergency_plan"] = _emergency_plan(
        child_b, users["consultant_other"], users["consultant_other"]
    )
    a.objects.update(_videos(child_a, users["family_a"]))
    b.objects.update(_videos(child_b, users["family_b"]))
    a.objects["caseload_import"] = b.objects["caseload_import"] = _caseload_import(users["nurse_a"])
    _consent_and_export(users, a, b)
    exported = _bulk_export(users["admin"], child_a)
    a.objects.update(exported)
    b.objects.update(exported)
    subjects = {name: users[name] for name in SUBJECTS if name != "anon"}
    return World(subjects, _sessions(subjects), child_a, child_b, a, b)


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction (or savepoint) that is always rolled back.

    It is marked as a test case's own block, as django.test.TestCase marks its blocks, so the
    services' durable transactions may run inside it.
    """
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    block.__enter__()
    try:
        yield
    finally:
        transaction.set_rollback(True)
        block.__exit__(None, None, None)


def world_in_transaction(django_db_blocker: Any, media_root: str) -> Iterator[World]:
    """Yield a world inside a transaction that is rolled back afterwards. Each test runs in a
    savepoint of it (pytest-django's ``db``), so every test meets the world as built."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # conftest's _fast_passwords is per test
    settings_for_world = override_settings(
        MEDIA_ROOT=media_root, RESEARCH_EXPORT_ROOT=f"{media_root}/research", PASSWORD_HASHERS=fast
    )
    with django_db_blocker.unblock(), settings_for_world, rolled_back():
        yield build_world()


_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@contextmanager
def recording_writes() -> Iterator[list[str]]:
    """Collect the table of every INSERT, UPDATE and DELETE run meanwhile (sessions aside: a
    request may touch its own). A refused request must not even try to write."""
    written: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = _WRITE.match(sql)
        if match and match.group(1) != "django_session":
            written.append(match.group(1))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield written
