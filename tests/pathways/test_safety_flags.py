"""The safety flags cost a fixed number of queries on the caseload and the pathway page, however many
children, courses and scores there are."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.safety_flags import SafetyFlag, safety_flag_source, safety_flags

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory

ITEMS = [services.ItemSpec("Stance", 0, 3), services.ItemSpec("Gait", 0, 3)]


@pytest.fixture
def consultant(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT)


def _child_on_treatment(nurse, consultant, scale, scores: int):
    """A child on an active course that started ten weeks ago, with scores: follow-up and response flags."""
    child = PatientFactory(named_nurse=nurse)
    CareTeamMemberFactory(patient=child, user=consultant, role=StaffProfile.Role.CONSULTANT)
    today = timezone.localdate()
    for i in range(scores):
        services.score_record(
            actor=nurse,
            patient=child,
            scale=scale,
            assessed_on=today - datetime.timedelta(days=80 - i),
            values={"stance": 2, "gait": 1},
        )
    services.course_create(
        actor=consultant, patient=child, agent="ivig", start_date=today - datetime.timedelta(weeks=11)
    )
    return child


@pytest.mark.parametrize("size", [1, 30])
def test_the_caseload_with_safety_flags_stays_within_a_fixed_number_of_queries(
    client, cast, consultant, django_assert_max_num_queries, size
):
    scale = services.scale_create(actor=None, name="Demo", items=ITEMS)
    for _ in range(size):
        _child_on_treatment(cast.nurse_a, consultant, scale, 3)
    client.force_login(cast.nurse_a)
    # 12 and 1 for the children not scored yet (made with the ORM); follow-up 4, response review 3,
    # surveillance 1, stuck 1, named nurse away 2
    with django_assert_max_num_queries(24):
        response = client.get("/caseload/")
    content = response.content.decode()
    assert content.count("No review booked within 6 weeks for the IVIG course") == size
    assert content.count("3-month response review of the IVIG course") == size


@pytest.mark.parametrize("scores", [1, 40])
def test_the_pathway_page_with_safety_flags_stays_within_a_fixed_number_of_queries(
    client, cast, consultant, django_assert_max_num_queries, scores
):
    scale = services.scale_create(actor=None, name="Demo", items=ITEMS)
    child = _child_on_treatment(cast.nurse_a, consultant, scale, scores)
    client.force_login(consultant)
    # 32; follow-up 4, response review 3, surveillance 1, stuck 1, named nurse away 2;
    # neuropsychology's card 1 and its timeline source 1; the family-data layers on the chart 3 and
    # their apps' timeline sources 4 (diary, watch, questionnaires, videos)
    with django_assert_max_num_queries(52):
        response = client.get(f"/patients/{child.pk}/pathway/")
    assert len(response.context["summary"].safety_flags) == 2


def test_sources_registered_by_other_apps_are_merged_by_child(cast, monkeypatch):
    from apps.pathways import safety_flags as registry

    monkeypatch.setattr(registry, "_SOURCES", dict(registry._SOURCES))

    @safety_flag_source("test-only")
    def _always(patient_ids):
        return {pk: [SafetyFlag(f"flag for {pk}", "danger")] for pk in patient_ids}

    flags = safety_flags([cast.child_a.pk, cast.child_b.pk])
    assert SafetyFlag(f"flag for {cast.child_b.pk}", "danger") in flags[cast.child_b.pk]
    assert safety_flags([]) == {}
