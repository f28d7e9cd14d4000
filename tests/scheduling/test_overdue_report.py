"""The overdue re-evaluations report (page and API) reads the stored dates of the children the user
may see, through their indexes, 50 at a time: its queries do not grow with its rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.patients.models import Patient
from apps.scheduling import selectors
from apps.scheduling.models import Appointment

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory
from . import book
from .test_review_schedule import new_policy
from .test_reviews import diagnose


@pytest.fixture
def consultant(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT)


@pytest.fixture
def policy(db):
    return new_policy()


def _overdue_children(cast, consultant, count: int) -> list[Patient]:
    """``count`` children on nurse A's care team, diagnosed long ago: each overdue since the baseline."""
    children = []
    for n in range(count):
        child = PatientFactory(given_name=f"Child{n}")
        CareTeamMemberFactory(patient=child, user=cast.nurse_a)
        diagnose(consultant, child, datetime.date(2024, 1, 1) + datetime.timedelta(days=n))
        children.append(child)
    return children


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/schedule/overdue-reviews/", "/api/v1/reviews/overdue/"])
def test_the_overdue_report_costs_the_same_queries_for_2_or_12_children(
    cast, policy, consultant, client_for, url
):
    _overdue_children(cast, consultant, 2)
    client = client_for(cast.nurse_a)
    few = _count_queries(client, url)
    _overdue_children(cast, consultant, 10)
    assert _count_queries(client, url) == few


def test_the_overdue_page_shows_50_at_a_time_most_overdue_first_and_audits_only_those(
    cast, policy, consultant, client_for
):
    children = _overdue_children(cast, consultant, 52)
    diagnose(consultant, cast.child_b, datetime.date(2023, 1, 1))  # overdue, but not nurse A's
    client = client_for(cast.nurse_a)
    first = client.get("/schedule/overdue-reviews/")
    assert [r.patient for r in first.context["rows"]] == children[:50]
    assert b"52 children overdue" in first.content and b"Page 1 of 2" in first.content
    second = client.get("/schedule/overdue-reviews/?page=2")
    assert [r.patient for r in second.context["rows"]] == children[50:]
    audited = set(AccessEvent.objects.filter(user=cast.nurse_a).values_list("patient_id", flat=True))
    assert audited == {c.pk for c in children}
    assert cast.child_b.pk not in audited


def test_a_child_with_the_assessment_booked_leaves_the_report(cast, policy, consultant):
    (child,) = _overdue_children(cast, consultant, 1)
    assert [r.patient for r in selectors.overdue_reviews(user=cast.nurse_a)] == [child]
    book(
        cast.nurse_a,
        child,
        timezone.now() + datetime.timedelta(days=3),
        kind=Appointment.Kind.NEUROPSYCHOLOGY,
    )
    assert list(selectors.overdue_reviews(user=cast.nurse_a)) == []
