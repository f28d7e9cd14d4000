"""Emergency plans: built from the record, worded only by approved blocks, approved before families see
them, marked for review by a course change (through the real course services), and audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AccessEvent
from apps.emergency_plans import selectors, services
from apps.emergency_plans.models import AdviceBlock, EmergencyPlan, PlanVersion
from apps.notifications.models import Notification
from apps.pathways.models import TreatmentCourse
from apps.pathways.services import course_transition
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from .conftest import OUT_OF_HOURS, TEAM_PHONE, start_course

Status = PlanVersion.Status


def test_a_draft_is_built_from_the_courses_contacts_and_team_hours(client, cast, consultant, nursing):
    start_course(consultant, cast.child_a, "acth")
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    view = selectors.plan_view(version)
    assert [c.label for c in view.courses] == ["ACTH"]
    assert [a.key for a in view.courses[0].advice] == ["steroids-and-acth"]
    assert "Alice is having a course of steroid or ACTH treatment" in view.courses[0].advice[0].text
    assert {"role": "Consultant", "name": "Dr Connie Consultant"} in view.contacts
    assert {"role": "Named nurse specialist", "name": "Nina Nurse"} in view.contacts
    assert [p["name"] for p in view.tell] == ["Anne Family"]
    client.force_login(cast.nurse_a)
    page = client.get(f"/patients/{cast.child_a.pk}/emergency-plan/").content.decode()
    assert TEAM_PHONE in page and "tel:01632960123" in page
    assert "Monday to Friday, 8:30am to 4:30pm" in page
    assert OUT_OF_HOURS in page
    assert "Demo text — not clinical advice" in page


def test_a_course_no_approved_block_applies_to_gets_no_invented_text(client, cast, consultant, nursing):
    start_course(consultant, cast.child_a, "ivig")
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    view = selectors.plan_view(version)
    assert view.courses[0].label == "IVIG" and view.courses[0].advice == []
    services.plan_approve(actor=consultant, patient=cast.child_a, number=version.number)
    client.force_login(cast.family_a)
    page = client.get(f"/portal/children/{cast.child_a.pk}/emergency-plan/").content.decode()
    assert "The care team will add advice about IVIG to this plan." in page
    course_words = {b.text for b in AdviceBlock.objects.filter(applies_to="agent")}
    assert not any(selectors.render_text(text, {"child_name": "Alice"})[:40] in page for text in course_words)


def test_families_see_a_plan_only_once_a_consultant_approves_it(client, cast, consultant, nursing):
    start_course(consultant, cast.child_a, "acth")
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    client.force_login(cast.family_a)
    url = f"/portal/children/{cast.child_a.pk}/emergency-plan/"
    assert "has not shared an emergency plan" in client.get(url).content.decode()
    assert client.get(url + "plan.pdf").status_code == 404
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=cast.nurse_a, patient=cast.child_a, number=version.number)
    client.force_login(cast.nurse_a)
    assert (
        client.post(f"/patients/{cast.child_a.pk}/emergency-plan/approve/", {"version": 1}).status_code == 403
    )
    services.plan_approve(actor=consultant, patient=cast.child_a, number=version.number)
    client.force_login(cast.family_a)
    page = client.get(url).content.decode()
    assert "Steroid or ACTH treatment" in page and "Dr Connie Consultant" in page
    told = Notification.objects.get(recipient=cast.family_a, kind="emergency_plan_approved")
    assert told.url == url and not Notification.objects.filter(recipient=cast.family_b).exists()


def test_a_course_change_marks_the_plan_for_review_and_opens_one_consultant_task(
    client, cast, consultant, approved_plan
):
    course = TreatmentCourse.objects.get(patient=cast.child_a)
    course_transition(actor=consultant, course=course, to_status="weaning")
    plan = EmergencyPlan.objects.get(patient=cast.child_a)
    assert plan.needs_review and "ACTH course moved from active to weaning" in plan.review_reason
    task = Task.objects.get(source=Task.Source.EMERGENCY_PLAN)
    assert task.assignee == consultant and task.patient == cast.child_a
    course_transition(actor=consultant, course=course, to_status="active")  # a second change, same review
    start_course(consultant, cast.child_a, "rituximab")  # course_create: a third
    assert Task.objects.filter(source=Task.Source.EMERGENCY_PLAN).count() == 1
    # The family still sees the approved plan, with one calm line (no warning words).
    client.force_login(cast.family_a)
    page = client.get(f"/portal/children/{cast.child_a.pk}/emergency-plan/").content.decode()
    assert "Steroid or ACTH treatment" in page
    assert "The care team is updating this plan" in page
    assert "Rituximab" not in page  # the new course is not shown until a consultant approves it
    for alarming in ("out of date", "do not use", "warning", "Needs review"):
        assert alarming.lower() not in page.lower()
    # A new draft, approved: the review and its task are done; the next change opens a new task.
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    services.plan_approve(actor=consultant, patient=cast.child_a, number=version.number)
    plan.refresh_from_db()
    task.refresh_from_db()
    assert not plan.needs_review and task.status == Task.Status.DONE
    assert list(plan.versions.values_list("number", "status")) == [(2, "approved"), (1, "superseded")]
    course_transition(actor=consultant, course=course, to_status="weaning")
    assert Task.objects.filter(source=Task.Source.EMERGENCY_PLAN, status=Task.Status.OPEN).count() == 1


def test_a_draft_prepared_before_a_course_change_cannot_be_approved(cast, consultant, approved_plan):
    draft = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    start_course(consultant, cast.child_a, "cyclophosphamide")
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    with pytest.raises(ApplicationError):
        services.plan_approve(actor=consultant, patient=cast.child_a, number=draft.number)
    assert selectors.approved_version(cast.child_a).number == approved_plan.number


def test_a_child_with_no_plan_gets_no_review_task(cast, consultant):
    start_course(consultant, cast.child_a, "acth")
    assert not EmergencyPlan.objects.exists()
    assert not Task.objects.filter(source=Task.Source.EMERGENCY_PLAN).exists()


def test_a_break_glass_reader_sees_the_plan_but_cannot_prepare_one(client, cast, approved_plan):
    client.force_login(cast.nurse_glass)
    assert client.get(f"/patients/{cast.child_a.pk}/emergency-plan/").status_code == 200
    assert client.post(f"/patients/{cast.child_a.pk}/emergency-plan/prepare/").status_code == 403
    assert PlanVersion.objects.count() == 1


def test_a_family_sees_only_their_own_childs_plan(client, cast, approved_plan):
    client.force_login(cast.family_b)
    base = f"/portal/children/{cast.child_a.pk}/emergency-plan/"
    for url in (base, base + "plan.pdf", base + "wallet-card.pdf"):
        assert client.get(url).status_code == 404
    client.force_login(cast.family_a)
    assert client.get(f"/patients/{cast.child_a.pk}/emergency-plan/").status_code in (302, 403, 404)


def test_every_read_and_download_writes_an_access_event(client, api, cast, approved_plan):
    client.force_login(cast.nurse_a)
    staff = f"/patients/{cast.child_a.pk}/emergency-plan/"
    for url in (staff, staff + "plan.pdf", staff + "wallet-card.pdf"):
        assert client.get(url).status_code == 200
    api.force_authenticate(cast.nurse_a)
    assert api.get(f"/api/v1/patients/{cast.child_a.pk}/emergency-plan/").status_code == 200
    client.force_login(cast.family_a)
    family = f"/portal/children/{cast.child_a.pk}/emergency-plan/"
    for url in (family, family + "plan.pdf", family + "wallet-card.pdf"):
        assert client.get(url).status_code == 200
    whats = set(AccessEvent.objects.filter(patient=cast.child_a).values_list("user__email", "what"))
    nurse, fam = cast.nurse_a.email, cast.family_a.email
    assert {
        (nurse, "emergency plan"),
        (nurse, "emergency plan PDF"),
        (nurse, "emergency plan wallet card"),
        (fam, "portal emergency plan"),
        (fam, "portal emergency plan PDF"),
        (fam, "portal emergency plan wallet card"),
    } <= whats
    downloads = AccessEvent.objects.filter(user=cast.family_a, what="portal emergency plan PDF")
    client.get(family + "plan.pdf")
    assert downloads.count() == 2  # every download, not once a day


def test_the_api_gives_staff_the_status_and_versions_and_families_nothing(
    api, cast, consultant, approved_plan
):
    api.force_authenticate(cast.nurse_a)
    body = api.get(f"/api/v1/patients/{cast.child_a.pk}/emergency-plan/").json()
    assert body["needs_review"] is False
    assert body["approved"]["number"] == 1 and body["draft"] is None
    assert body["approved"]["content"]["courses"][0]["agent"] == "acth"
    api.force_authenticate(cast.family_a)
    assert api.get(f"/api/v1/patients/{cast.child_a.pk}/emergency-plan/").status_code == 404


def test_block_text_is_plain_text_with_only_known_placeholders(client, cast, consultant, nursing):
    AdviceBlock.objects.create(
        key="tricky",
        applies_to="every_plan",
        title="Tricky",
        text="<script>alert(1)</script> {child_name} {child_name.__class__} {secret}",
        approved_by="Test",
        approved_at="2026-01-01",
    )
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    services.plan_approve(actor=consultant, patient=cast.child_a, number=version.number)
    client.force_login(cast.family_a)
    page = client.get(f"/portal/children/{cast.child_a.pk}/emergency-plan/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Alice {child_name.__class__} {secret}" in page
    with pytest.raises(ValidationError):
        AdviceBlock(
            key="bad",
            applies_to="every_plan",
            title="x",
            text="{secret}",
            approved_by="x",
            approved_at="2026-01-01",
        ).full_clean()


def test_a_note_too_long_is_refused_and_saves_nothing(client, cast):
    client.force_login(cast.nurse_a)
    response = client.post(f"/patients/{cast.child_a.pk}/emergency-plan/prepare/", {"note": "x" * 301})
    assert response.status_code == 400
    assert "300 characters" in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_the_staff_page_lists_versions_in_constant_queries(
    client, cast, consultant, nursing, django_assert_max_num_queries
):
    start_course(consultant, cast.child_a, "acth")
    client.force_login(cast.nurse_a)
    url = f"/patients/{cast.child_a.pk}/emergency-plan/"

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    few = count()
    for _ in range(4):
        services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    assert count() == few
