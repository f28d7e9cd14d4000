"""HAZ-08: the 3-month response review of an immunotherapy course shows on the pathway page with the
change in score since the start, and becomes a task before it falls due; the 48-week outcome point is
on the chart."""

import datetime
import zoneinfo

import pytest
import time_machine

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.services.response_review import outcome_point, response_milestones, response_reviews_open
from apps.tasks.models import Task
from apps.tasks.services import task_complete

from ..factories import CareTeamMemberFactory, StaffFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
START = datetime.date(2026, 1, 5)  # the milestone falls on 5 Apr 2026; its task opens on 22 Mar
ITEMS = [
    services.ItemSpec("Stance", 0, 3),
    services.ItemSpec("Gait", 0, 3),
    services.ItemSpec("Speech", 0, 3),
]


def on(day: datetime.date, hour: int = 10):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON), tick=False)


@pytest.fixture
def consultant(cast):
    consultant = StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(
        patient=cast.child_a,
        user=consultant,
        role=StaffProfile.Role.CONSULTANT,
        start_date=datetime.date(2025, 1, 1),
    )
    return consultant


@pytest.fixture
def course(cast, consultant):
    scale = services.scale_create(actor=None, name="Demo scale", items=ITEMS, is_demo=True)
    with on(datetime.date(2026, 3, 1)):
        for day, values in [
            (datetime.date(2026, 1, 2), {"stance": 3, "gait": 3, "speech": 2}),  # 8 at the start
            (datetime.date(2026, 2, 20), {"stance": 2, "gait": 2, "speech": 1}),  # 5
        ]:
            services.score_record(
                actor=cast.nurse_a, patient=cast.child_a, scale=scale, assessed_on=day, values=values
            )
        return services.course_create(
            actor=consultant, patient=cast.child_a, agent="dexamethasone_pulses", start_date=START
        )


def review_tasks():
    return Task.objects.filter(source=Task.Source.RESPONSE_REVIEW)


def test_the_prescriber_gets_one_task_two_weeks_before_the_3_month_review_with_the_change_in_score(
    cast, consultant, course
):
    with on(datetime.date(2026, 3, 21)):
        assert response_reviews_open() == 0
    with on(datetime.date(2026, 3, 22)):
        assert response_reviews_open() == 1
        assert response_reviews_open() == 0
    task = review_tasks().get()
    assert (task.assignee, task.due_on, task.priority) == (
        consultant,
        datetime.date(2026, 4, 5),
        Task.Priority.HIGH,
    )
    assert "score 8 at the start, 5 on 20 Feb 2026 (3 lower (better))" in task.detail


def test_the_milestone_shows_on_the_pathway_page_and_caseload_until_its_task_is_done(
    cast, consultant, course, client_for
):
    with on(datetime.date(2026, 3, 25)):
        response_reviews_open()
        page = client_for(consultant).get(f"/patients/{cast.child_a.pk}/pathway/").content.decode()
        assert "3-month response review of the Dexamethasone pulses course due 05 Apr 2026" in page
        assert "score 8 at the start, 5 on 20 Feb 2026" in page
        assert "3-month response review" in client_for(cast.nurse_a).get("/caseload/").content.decode()
    with on(datetime.date(2026, 4, 8)):
        [milestone] = response_milestones(patient_ids=[cast.child_a.pk])
        assert milestone.text(datetime.date(2026, 4, 8)).startswith(
            "3-month response review of the Dexamethasone pulses course was due"
        )
        task_complete(actor=consultant, task=review_tasks().get())
        assert response_milestones(patient_ids=[cast.child_a.pk]) == []


def test_an_untouched_milestone_stops_showing_four_weeks_after_it_was_due(cast, course):
    with on(datetime.date(2026, 5, 3)):
        assert len(response_milestones()) == 1
    with on(datetime.date(2026, 5, 4)):
        assert response_milestones() == []


def test_without_a_score_at_the_start_it_says_so(cast, consultant):
    course = services.course_create(actor=consultant, patient=cast.child_b, agent="ivig", start_date=START)
    with on(datetime.date(2026, 3, 30)):
        [milestone] = response_milestones(patient_ids=[cast.child_b.pk])
    assert milestone.course == course and milestone.score_words() == "no score recorded at the start"


def test_non_immunotherapy_and_ended_courses_have_no_response_review(cast, consultant):
    services.course_create(actor=consultant, patient=cast.child_b, agent="surgery", start_date=START)
    ended = services.course_create(actor=consultant, patient=cast.child_b, agent="acth", start_date=START)
    with on(datetime.date(2026, 2, 1)):
        services.course_transition(actor=consultant, course=ended, to_status="stopped", reason="Side effects")
    with on(datetime.date(2026, 3, 30)):
        assert response_milestones() == []


def test_the_48_week_outcome_point_is_drawn_on_the_chart(cast, consultant, course, client_for):
    assert outcome_point([course]) == START + datetime.timedelta(weeks=48)
    with on(datetime.date(2026, 12, 20)):
        page = client_for(consultant).get(f"/patients/{cast.child_a.pk}/pathway/").content.decode()
    assert 'class="outcome-point" data-date="2026-12-07"' in page
    assert "48-week outcome point: 07 Dec 2026" in page
    assert "The 48-week outcome point, 48 weeks after immunotherapy started, is 7 Dec 2026" in page
