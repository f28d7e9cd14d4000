"""The review page offers each item's actions from its state table, never from a list of its own."""

import datetime
import re

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.models import Investigation, TreatmentCourse

from ..factories import CareTeamMemberFactory, StaffFactory

Status = TreatmentCourse.Status
InvStatus = Investigation.Status
TODAY = timezone.localdate()


def _course_at(actor, patient, status):
    start = TODAY - datetime.timedelta(days=30)
    course = services.course_create(
        actor=actor,
        patient=patient,
        agent="ivig",
        start_date=start,
        status=Status.PLANNED if status == Status.PLANNED else Status.ACTIVE,
    )
    if status in (Status.WEANING, Status.COMPLETED, Status.STOPPED):
        reason = "no response" if status == Status.STOPPED else ""
        course = services.course_transition(actor=actor, course=course, to_status=status, reason=reason)
    assert course.status == status
    return course


def _page(client, user, patient):
    client.force_login(user)
    response = client.get(f"/patients/{patient.pk}/pathway/")
    assert response.status_code == 200
    return response


def _offered_options(html, form_id):
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    select = re.search(r'<select name="[^"]*to_status"[^>]*>(.*?)</select>', form, re.S).group(1)
    return set(re.findall(r'<option value="([^"]+)"', select))


@pytest.mark.parametrize("status", Status.values)
def test_a_course_offers_exactly_the_moves_its_table_allows(client, cast, consultant, status):
    course = _course_at(consultant, cast.child_a, status)
    response = _page(client, consultant, cast.child_a)

    [(row_course, slot)] = response.context["course_rows"]
    allowed = services.COURSE.allowed_from(status)
    assert row_course.pk == course.pk
    if not allowed:
        assert slot is None
        assert f'id="form-course-transition-{course.pk}"' not in response.content.decode()
        return
    assert {value for value, _ in slot.form.fields["to_status"].choices} == allowed
    assert _offered_options(response.content.decode(), f"form-course-transition-{course.pk}") == allowed


def test_a_role_that_cannot_treat_is_offered_no_course_move(client, cast, consultant):
    _course_at(consultant, cast.child_a, Status.ACTIVE)
    response = _page(client, cast.nurse_a, cast.child_a)
    assert [slot for _, slot in response.context["course_rows"]] == [None]


def test_a_move_from_a_page_left_open_gets_the_tables_refusal(client, cast, consultant):
    course = _course_at(consultant, cast.child_a, Status.COMPLETED)
    client.force_login(consultant)
    prefix = f"course-transition-{course.pk}"
    response = client.post(
        f"/patients/{cast.child_a.pk}/pathway/course-transition/{course.pk}/",
        {f"{prefix}-to_status": "weaning", f"{prefix}-on_date": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert response.context["slot"].form.non_field_errors() == [
        "This IVIG course cannot move from completed to weaning. Allowed from completed: none."
    ]


def _investigation_at(actor, patient, status, acknowledged=False):
    investigation = services.investigation_request(actor=actor, patient=patient, kind="mibg")
    if status == InvStatus.BOOKED:
        investigation = services.investigation_book(
            actor=actor, investigation=investigation, booked_for=TODAY
        )
    if status == InvStatus.DONE:
        investigation = services.investigation_mark_done(
            actor=actor, investigation=investigation, done_on=TODAY
        )
    if status == InvStatus.RESULTED:
        investigation = services.investigation_record_result(
            actor=actor, investigation=investigation, result_summary="Normal", abnormal=False
        )
    if status == InvStatus.CANCELLED:
        investigation = services.investigation_cancel(actor=actor, investigation=investigation, reason="dup")
    if acknowledged:
        investigation = services.investigation_acknowledge(actor=actor, investigation=investigation)
    return investigation


@pytest.mark.parametrize(
    ("status", "acknowledged"),
    [(s, False) for s in InvStatus.values] + [(InvStatus.RESULTED, True)],
    ids=[*InvStatus.values, "resulted-acknowledged"],
)
def test_an_investigation_offers_its_result_and_acknowledgement_from_its_state(
    client, cast, consultant, status, acknowledged
):
    investigation = _investigation_at(consultant, cast.child_a, status, acknowledged)
    response = _page(client, consultant, cast.child_a)

    [(row, result_slot, _, ack_slot)] = response.context["investigation_rows"]
    assert row.pk == investigation.pk
    # A result is offered where the table leads to resulted, directly or by way of done.
    reachable = services.INVESTIGATION.can(status, InvStatus.RESULTED) or (
        services.INVESTIGATION.can(status, InvStatus.DONE)
        and services.INVESTIGATION.can(InvStatus.DONE, InvStatus.RESULTED)
    )
    assert (result_slot is not None) == reachable
    assert reachable == (status in (InvStatus.REQUESTED, InvStatus.BOOKED, InvStatus.DONE))
    assert (ack_slot is not None) == (status == InvStatus.RESULTED and not acknowledged)


def _offered_steps(html, form_id):
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    select = re.search(r'<select name="[^"]*to_status"[^>]*>(.*?)</select>', form, re.S).group(1)
    return set(re.findall(r'<option value="([^"]+)"', select))


@pytest.mark.parametrize("status", InvStatus.values)
def test_an_investigation_offers_every_step_its_table_allows(client, cast, consultant, status):
    investigation = _investigation_at(consultant, cast.child_a, status)
    response = _page(client, consultant, cast.child_a)

    [(_, result_slot, step_slot, _)] = response.context["investigation_rows"]
    allowed = services.INVESTIGATION.allowed_from(status)
    # Every allowed move is on the page: resulted through the result form, the rest through the step form.
    offered = {value for value, _ in step_slot.form.fields["to_status"].choices} if step_slot else set()
    resulted = {InvStatus.RESULTED} if result_slot is not None and InvStatus.RESULTED in allowed else set()
    assert offered | resulted == allowed
    if step_slot is None:
        assert f'id="form-investigation-step-{investigation.pk}"' not in response.content.decode()
    else:
        assert (
            _offered_steps(response.content.decode(), f"form-investigation-step-{investigation.pk}")
            == offered
        )
    if status in (InvStatus.REQUESTED, InvStatus.BOOKED):
        assert {InvStatus.BOOKED, InvStatus.DONE} <= offered


def _step(client, investigation, **fields):
    prefix = f"investigation-step-{investigation.pk}"
    return client.post(
        f"/patients/{investigation.patient_id}/pathway/investigation-step/{investigation.pk}/",
        {f"{prefix}-{name}": value for name, value in fields.items()},
        HTTP_HX_REQUEST="true",
    )


def test_booking_then_marking_done_from_the_page_moves_the_investigation(client, cast, consultant):
    investigation = _investigation_at(consultant, cast.child_a, InvStatus.REQUESTED)
    client.force_login(consultant)
    booked_for = TODAY + datetime.timedelta(days=10)

    assert (
        _step(client, investigation, to_status="booked", booked_for=booked_for.isoformat()).status_code == 200
    )
    investigation.refresh_from_db()
    assert (investigation.status, investigation.booked_for) == (InvStatus.BOOKED, booked_for)

    assert _step(client, investigation, to_status="done", done_on=TODAY.isoformat()).status_code == 200
    investigation.refresh_from_db()
    assert (investigation.status, investigation.done_on) == (InvStatus.DONE, TODAY)
    assert list(investigation.events.values_list("to_status", flat=True).order_by("pk")) == [
        "requested",
        "booked",
        "done",
    ]


def test_booking_without_a_date_is_refused_next_to_the_date_and_changes_nothing(client, cast, consultant):
    investigation = _investigation_at(consultant, cast.child_a, InvStatus.REQUESTED)
    client.force_login(consultant)

    response = _step(client, investigation, to_status="booked")

    assert response.status_code == 400
    assert response.context["slot"].form.errors["booked_for"] == ["Enter the booked date."]
    investigation.refresh_from_db()
    assert investigation.status == InvStatus.REQUESTED


def test_a_step_from_a_page_left_open_gets_the_tables_refusal(client, cast, consultant):
    investigation = _investigation_at(consultant, cast.child_a, InvStatus.CANCELLED)
    client.force_login(consultant)

    response = _step(client, investigation, to_status="done", done_on=TODAY.isoformat())

    assert response.status_code == 400
    assert "cannot move from cancelled to done" in " ".join(response.context["slot"].form.non_field_errors())


def test_a_role_that_cannot_manage_investigations_is_offered_no_step(client, cast, consultant):
    _investigation_at(consultant, cast.child_a, InvStatus.REQUESTED)
    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST)
    CareTeamMemberFactory(patient=cast.child_a, user=therapist, role=StaffProfile.Role.THERAPIST)
    response = _page(client, therapist, cast.child_a)
    [(_, _, step_slot, _)] = response.context["investigation_rows"]
    assert step_slot is None
