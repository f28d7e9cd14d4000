"""Treatment courses move along COURSE_TRANSITIONS with an event per change; relapses are recorded."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.models import CourseEvent, Relapse, TreatmentCourse
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory

Status = TreatmentCourse.Status
Role = StaffProfile.Role
ALL_PAIRS = list(itertools.product(Status.values, repeat=2))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in services.COURSE_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in services.COURSE_TRANSITIONS[a]]


def _days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def consultant(db):
    return StaffFactory(role=Role.CONSULTANT)


@pytest.fixture
def nurse(db):
    return StaffFactory(role=Role.NURSE_SPECIALIST)


@pytest.fixture
def child(db):
    return PatientFactory()


def _course(actor, patient, status=Status.ACTIVE, start=None, **kwargs):
    return services.course_create(
        actor=actor,
        patient=patient,
        agent=kwargs.pop("agent", TreatmentCourse.Agent.DEXAMETHASONE_PULSES),
        start_date=start or _days_ago(60),
        status=status,
        **kwargs,
    )


def _course_at(actor, patient, status):
    """Test set-up: a course that has reached ``status`` (set directly, not through the table)."""
    course = _course(actor, patient, Status.ACTIVE)
    TreatmentCourse.objects.filter(pk=course.pk).update(
        status=status, stop_reason="set-up" if status == Status.STOPPED else ""
    )
    course.refresh_from_db()
    return course


def _kwargs_for(to_status):
    return {"reason": "no response after 3 months"} if to_status == Status.STOPPED else {}


def test_the_table_covers_every_status():
    assert set(services.COURSE_TRANSITIONS) == set(Status.values)
    assert services.COURSE_TRANSITIONS[Status.COMPLETED] == frozenset()
    assert services.COURSE_TRANSITIONS[Status.STOPPED] == frozenset()


def test_creating_a_course_writes_its_first_event(consultant, child):
    course = _course(consultant, child, regimen_notes="12 pulses at 4-weekly intervals")
    event = CourseEvent.objects.get(course=course)
    assert (event.from_status, event.to_status, event.on_date, event.actor) == (
        "",
        Status.ACTIVE,
        _days_ago(60),
        consultant,
    )
    assert course.prescriber == consultant
    assert course.history.get().history_user == consultant


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_course_change_succeeds_and_writes_one_event(consultant, child, from_status, to_status):
    course = _course_at(consultant, child, from_status)
    on = _days_ago(5)
    services.course_transition(
        actor=consultant,
        course=course,
        to_status=to_status,
        on_date=on,
        note="clinic review",
        **_kwargs_for(to_status),
    )
    course.refresh_from_db()
    assert course.status == to_status
    event = CourseEvent.objects.filter(course=course).exclude(from_status="").get()
    assert (event.from_status, event.to_status, event.on_date) == (from_status, to_status, on)
    assert event.actor == consultant
    assert event.note == "clinic review"
    assert course.history.latest().history_user == consultant


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_course_change_is_refused_and_writes_nothing(consultant, child, from_status, to_status):
    course = _course_at(consultant, child, from_status)
    before = TreatmentCourse.objects.filter(pk=course.pk).values().get()
    with pytest.raises(ApplicationError) as exc:
        services.course_transition(
            actor=consultant,
            course=course,
            to_status=to_status,
            on_date=_days_ago(5),
            **_kwargs_for(to_status),
        )
    assert exc.value.code == "illegal_transition"
    assert f"from {from_status} to {to_status}" in exc.value.messages[0]
    assert TreatmentCourse.objects.filter(pk=course.pk).values().get() == before
    assert CourseEvent.objects.filter(course=course).count() == 1  # only the creation event


@pytest.mark.parametrize("reason", ["", "   "])
def test_stopping_needs_a_reason(consultant, child, reason):
    course = _course(consultant, child)
    with pytest.raises(ValidationError) as exc:
        services.course_transition(actor=consultant, course=course, to_status=Status.STOPPED, reason=reason)
    assert "reason" in exc.value.message_dict
    course.refresh_from_db()
    assert course.status == Status.ACTIVE
    assert CourseEvent.objects.filter(course=course).count() == 1


def test_stopping_records_the_reason_and_the_end(consultant, child):
    course = _course(consultant, child)
    services.course_transition(
        actor=consultant,
        course=course,
        to_status=Status.STOPPED,
        on_date=_days_ago(3),
        reason="  side effects ",
    )
    course.refresh_from_db()
    assert (course.status, course.stop_reason, course.ended_on) == (
        Status.STOPPED,
        "side effects",
        _days_ago(3),
    )
    assert CourseEvent.objects.filter(course=course).last().note == "side effects"


def test_weaning_sets_the_wean_start(consultant, child):
    course = _course(consultant, child, agent=TreatmentCourse.Agent.ACTH)
    services.course_transition(
        actor=consultant, course=course, to_status=Status.WEANING, on_date=_days_ago(10)
    )
    course.refresh_from_db()
    assert (course.status, course.wean_started_on, course.ended_on) == (Status.WEANING, _days_ago(10), None)


def test_completion_sets_the_end(consultant, child):
    course = _course(consultant, child)
    services.course_transition(
        actor=consultant, course=course, to_status=Status.WEANING, on_date=_days_ago(20)
    )
    services.course_transition(
        actor=consultant, course=course, to_status=Status.COMPLETED, on_date=_days_ago(2)
    )
    course.refresh_from_db()
    assert (course.status, course.wean_started_on, course.ended_on) == (
        Status.COMPLETED,
        _days_ago(20),
        _days_ago(2),
    )
    events = list(
        CourseEvent.objects.filter(course=course).values_list("from_status", "to_status", "on_date")
    )
    assert events == [
        ("", Status.ACTIVE, _days_ago(60)),
        (Status.ACTIVE, Status.WEANING, _days_ago(20)),
        (Status.WEANING, Status.COMPLETED, _days_ago(2)),
    ]


def test_a_change_defaults_to_today(consultant, child):
    course = _course(consultant, child)
    services.course_transition(actor=consultant, course=course, to_status=Status.COMPLETED)
    course.refresh_from_db()
    assert course.ended_on == timezone.localdate()


def test_starting_a_planned_course_moves_its_start_to_the_real_date(consultant, child):
    course = _course(consultant, child, Status.PLANNED, start=_days_ago(20))
    services.course_transition(
        actor=consultant, course=course, to_status=Status.ACTIVE, on_date=_days_ago(15)
    )
    course.refresh_from_db()
    assert (course.status, course.start_date) == (Status.ACTIVE, _days_ago(15))


def test_a_planned_course_may_start_earlier_than_planned(consultant, child):
    course = _course(
        consultant, child, Status.PLANNED, start=timezone.localdate() + datetime.timedelta(days=7)
    )
    services.course_transition(actor=consultant, course=course, to_status=Status.ACTIVE)
    course.refresh_from_db()
    assert (course.status, course.start_date) == (Status.ACTIVE, timezone.localdate())


def test_a_planned_future_course_may_be_stopped_before_it_starts(consultant, child):
    course = _course(
        consultant, child, Status.PLANNED, start=timezone.localdate() + datetime.timedelta(days=14)
    )
    services.course_transition(
        actor=consultant, course=course, to_status=Status.STOPPED, reason="plan changed to IVIG"
    )
    course.refresh_from_db()
    assert (course.status, course.stop_reason) == (Status.STOPPED, "plan changed to IVIG")


def test_starting_a_planned_course_after_its_planned_end_is_a_field_error(consultant, child):
    course = _course(consultant, child, Status.PLANNED, start=_days_ago(30), planned_end_date=_days_ago(20))
    with pytest.raises(ValidationError) as exc:
        services.course_transition(
            actor=consultant, course=course, to_status=Status.ACTIVE, on_date=_days_ago(10)
        )
    assert "on_date" in exc.value.message_dict
    course.refresh_from_db()
    assert course.status == Status.PLANNED


def test_a_running_course_cannot_change_before_it_started(consultant, child):
    course = _course(consultant, child, start=_days_ago(10))
    with pytest.raises(ValidationError) as exc:
        services.course_transition(
            actor=consultant, course=course, to_status=Status.WEANING, on_date=_days_ago(11)
        )
    assert "on_date" in exc.value.message_dict
    assert CourseEvent.objects.filter(course=course).count() == 1


def test_a_change_in_the_future_is_refused(consultant, child):
    course = _course(consultant, child)
    with pytest.raises(ValidationError) as exc:
        services.course_transition(
            actor=consultant, course=course, to_status=Status.COMPLETED, on_date=_days_ago(-1)
        )
    assert "on_date" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"agent": "aspirin"}, "agent"),
        ({"agent": TreatmentCourse.Agent.OTHER}, "agent_other"),
        ({"status": Status.WEANING}, "status"),
        ({"planned_end_date": _days_ago(90)}, "planned_end_date"),
        ({"start": timezone.localdate() + datetime.timedelta(days=3)}, "start_date"),
    ],
    ids=["agent", "agent-other", "status", "planned-end", "active-in-future"],
)
def test_a_bad_course_is_a_field_error_and_no_row(consultant, child, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _course(consultant, child, **kwargs)
    assert field in exc.value.message_dict
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize("role", [Role.NURSE_SPECIALIST, Role.SURGEON, Role.THERAPIST, Role.CLINIC_ADMIN])
def test_only_a_consultant_manages_courses(consultant, child, role):
    course = _course(consultant, child)
    actor = StaffFactory(role=role)
    with pytest.raises(PermissionDenied) as exc:
        _course(actor, child)
    assert isinstance(exc.value, PermissionDenied)
    with pytest.raises(PermissionDenied) as exc:
        services.course_transition(actor=actor, course=course, to_status=Status.COMPLETED)
    assert isinstance(exc.value, PermissionDenied)
    assert TreatmentCourse.objects.get().status == Status.ACTIVE


# --- Relapses ---------------------------------------------------------------------------------


def _relapse(actor, patient, **kwargs):
    kwargs.setdefault("onset_date", _days_ago(7))
    kwargs.setdefault("severity", Relapse.Severity.MODERATE)
    return services.relapse_record(actor=actor, patient=patient, **kwargs)


@pytest.mark.parametrize("role", [Role.NURSE_SPECIALIST, Role.CONSULTANT])
def test_a_nurse_or_consultant_records_a_relapse(child, role):
    actor = StaffFactory(role=role)
    relapse = _relapse(
        actor, child, trigger=Relapse.Trigger.ILLNESS, trigger_detail="fever", response="restarted pulses"
    )
    relapse.refresh_from_db()
    assert (relapse.onset_date, relapse.trigger, relapse.recorded_by) == (
        _days_ago(7),
        Relapse.Trigger.ILLNESS,
        actor,
    )
    assert relapse.history.get().history_user == actor


@pytest.mark.parametrize("role", [Role.SURGEON, Role.THERAPIST, Role.CLINIC_ADMIN])
def test_other_roles_may_not_record_a_relapse(child, role):
    with pytest.raises(PermissionDenied) as exc:
        _relapse(StaffFactory(role=role), child)
    assert isinstance(exc.value, PermissionDenied)
    assert not Relapse.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"severity": "catastrophic"}, "severity"),
        ({"trigger": "moon"}, "trigger"),
        ({"onset_date": None}, "onset_date"),
        ({"onset_date": timezone.localdate() + datetime.timedelta(days=1)}, "onset_date"),
    ],
    ids=["severity", "trigger", "no-onset", "future-onset"],
)
def test_a_bad_relapse_is_a_field_error_and_no_row(nurse, child, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _relapse(nurse, child, **kwargs)
    assert field in exc.value.message_dict
    assert not Relapse.objects.exists()


def test_a_relapse_cannot_name_another_childs_course_as_its_response(consultant, nurse, child):
    other_course = _course(consultant, PatientFactory())
    with pytest.raises(ValidationError) as exc:
        _relapse(nurse, child, response_course=other_course)
    assert "response_course" in exc.value.message_dict
    assert not Relapse.objects.exists()

    relapse = _relapse(nurse, child)
    with pytest.raises(ValidationError) as exc:
        services.relapse_update(actor=nurse, relapse=relapse, response_course=other_course)
    assert "response_course" in exc.value.message_dict
    relapse.refresh_from_db()
    assert relapse.response_course is None


def test_a_relapse_response_may_be_this_childs_course(consultant, nurse, child):
    course = _course(consultant, child)
    relapse = _relapse(nurse, child)
    services.relapse_update(actor=nurse, relapse=relapse, response="restarted pulses", response_course=course)
    relapse.refresh_from_db()
    assert (relapse.response, relapse.response_course) == ("restarted pulses", course)
    assert relapse.history.latest().history_user == nurse


def test_a_relapse_cannot_resolve_before_it_began(nurse, child):
    relapse = _relapse(nurse, child, onset_date=_days_ago(7))
    with pytest.raises(ValidationError) as exc:
        services.relapse_update(actor=nurse, relapse=relapse, resolved_on=_days_ago(8))
    assert "resolved_on" in exc.value.message_dict
    relapse.refresh_from_db()
    assert relapse.resolved_on is None


def test_a_relapse_cannot_resolve_in_the_future(nurse, child):
    relapse = _relapse(nurse, child)
    with pytest.raises(ValidationError) as exc:
        services.relapse_update(actor=nurse, relapse=relapse, resolved_on=_days_ago(-1))
    assert "resolved_on" in exc.value.message_dict


@pytest.mark.parametrize("days_after_onset", [0, 5])
def test_a_relapse_resolves_on_or_after_its_onset(nurse, child, days_after_onset):
    relapse = _relapse(nurse, child, onset_date=_days_ago(7))
    services.relapse_update(actor=nurse, relapse=relapse, resolved_on=_days_ago(7 - days_after_onset))
    relapse.refresh_from_db()
    assert relapse.resolved_on == _days_ago(7 - days_after_onset)


def test_other_roles_may_not_update_a_relapse(nurse, child):
    relapse = _relapse(nurse, child)
    with pytest.raises(PermissionDenied) as exc:
        services.relapse_update(
            actor=StaffFactory(role=Role.THERAPIST), relapse=relapse, resolved_on=_days_ago(1)
        )
    assert isinstance(exc.value, PermissionDenied)
    relapse.refresh_from_db()
    assert relapse.resolved_on is None
