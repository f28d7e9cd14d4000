"""HAZ-08: an active or weaning course with no review appointment booked within its follow-up interval
(per agent, as data; 6 weeks by default) flags the caseload and the pathway page, and gives the named
nurse one task per gap."""

import datetime

import pytest
import time_machine

from apps.accounts.models import StaffProfile
from apps.pathways import services as pathways
from apps.scheduling import services
from apps.scheduling.models import Appointment, FollowUpInterval
from apps.scheduling.services.followup import courses_check_follow_up, follow_up_flags
from apps.tasks.models import Task

from ..factories import StaffFactory
from . import at, book

NOW = at(2026, 3, 10, 10)
FLAG = "No review booked within 6 weeks for the Dexamethasone pulses course"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def consultant(db):
    return StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)


@pytest.fixture
def course(cast, consultant):
    return pathways.course_create(
        actor=consultant,
        patient=cast.child_a,
        agent="dexamethasone_pulses",
        start_date=datetime.date(2026, 3, 2),
    )


def follow_up_tasks():
    return Task.objects.filter(source=Task.Source.COURSE_FOLLOW_UP)


def flag_texts(patient) -> list[str]:
    return [f.text for f in follow_up_flags([patient.pk]).get(patient.pk, [])]


def test_an_active_course_with_no_review_booked_flags_the_caseload_and_gives_the_named_nurse_one_task(
    cast, course, client_for
):
    assert courses_check_follow_up() == 1
    assert courses_check_follow_up() == 0  # once
    task = follow_up_tasks().get()
    assert (task.assignee, task.patient, task.priority) == (cast.nurse_a, cast.child_a, Task.Priority.HIGH)
    assert task.source_key == f"course:{course.pk}:follow-up:start"
    client = client_for(cast.nurse_a)
    assert FLAG in client.get("/caseload/").content.decode()
    assert FLAG in client.get(f"/patients/{cast.child_a.pk}/pathway/").content.decode()


def test_a_review_booked_within_the_interval_clears_the_flag_and_closes_the_task(cast, course):
    courses_check_follow_up()
    book(cast.nurse_a, cast.child_a, at(2026, 4, 14, 10), kind=Appointment.Kind.NEUROLOGY_CLINIC)
    assert flag_texts(cast.child_a) == []
    assert courses_check_follow_up() == 0
    assert follow_up_tasks().get().status == Task.Status.DONE


@pytest.mark.parametrize(
    ("starts_at", "kind"),
    [
        (at(2026, 4, 28, 10), Appointment.Kind.NEUROLOGY_CLINIC),  # seven weeks away: too late
        (at(2026, 3, 20, 10), Appointment.Kind.INFUSION),  # an infusion is not a review
    ],
)
def test_a_review_too_late_or_an_appointment_that_is_not_a_review_does_not_count(
    cast, course, starts_at, kind
):
    book(cast.nurse_a, cast.child_a, starts_at, kind=kind)
    assert flag_texts(cast.child_a) == [FLAG]


def test_a_cancelled_review_does_not_count(cast, course):
    review = book(cast.nurse_a, cast.child_a, at(2026, 3, 20, 10), kind=Appointment.Kind.NURSE_PHONE)
    assert flag_texts(cast.child_a) == []
    services.appointment_cancel(actor=cast.nurse_a, appointment=review, cancelled_by="family", reason="Away")
    assert flag_texts(cast.child_a) == [FLAG]


def test_the_interval_is_per_agent_as_data(cast, course, consultant):
    FollowUpInterval.objects.create(agent="ivig", weeks=4)
    pathways.course_create(
        actor=consultant, patient=cast.child_a, agent="ivig", start_date=datetime.date(2026, 3, 9)
    )
    book(cast.nurse_a, cast.child_a, at(2026, 4, 14, 10), kind=Appointment.Kind.NURSE_VIDEO)  # 5 weeks
    assert flag_texts(cast.child_a) == ["No review booked within 4 weeks for the IVIG course"]
    FollowUpInterval.objects.create(agent="", weeks=3)  # a clinic default replaces the setting
    assert len(flag_texts(cast.child_a)) == 2


def test_weaning_courses_are_checked_but_planned_completed_or_stopped_ones_are_not(cast, course, consultant):
    pathways.course_transition(
        actor=consultant, course=course, to_status="weaning", on_date=datetime.date(2026, 3, 9)
    )
    assert flag_texts(cast.child_a) == [FLAG]
    pathways.course_transition(actor=consultant, course=course, to_status="completed")
    pathways.course_create(
        actor=consultant,
        patient=cast.child_a,
        agent="rituximab",
        start_date=datetime.date(2026, 5, 1),
        status="planned",
    )
    assert flag_texts(cast.child_a) == []
    courses_check_follow_up()
    assert not follow_up_tasks().exists()


def test_after_the_next_review_is_attended_a_new_gap_gets_a_new_task(cast, course):
    courses_check_follow_up()
    review = book(
        cast.nurse_a, cast.child_a, at(2026, 3, 10, 9), kind=Appointment.Kind.NEUROLOGY_CLINIC, minutes=30
    )
    services.appointment_attended(actor=cast.nurse_a, appointment=review)
    assert courses_check_follow_up() == 1
    keys = set(follow_up_tasks().values_list("source_key", "status"))
    assert keys == {
        (f"course:{course.pk}:follow-up:start", Task.Status.DONE),
        (f"course:{course.pk}:follow-up:2026-03-10", Task.Status.OPEN),
    }


def test_without_a_named_nurse_the_nursing_queue_gets_the_task(cast, consultant):
    pathways.course_create(
        actor=consultant, patient=cast.child_b, agent="acth", start_date=datetime.date(2026, 3, 1)
    )
    courses_check_follow_up()
    task = follow_up_tasks().get()
    assert (task.assignee, task.team.code) == (None, "nursing")
