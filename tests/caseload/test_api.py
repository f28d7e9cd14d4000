"""The caseload API: the rows the page shows (score, its parts, tracks, treatment, last contact),
scoped to the caller's caseload, filtered, audited, and at a flat query count."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.audit.models import AccessEvent
from apps.caseload.services import attention_refresh
from apps.pathways import services as pathways
from apps.referrals import services as referrals
from apps.tasks.models import Task

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory

TODAY = timezone.localdate()
URL = "/api/v1/caseload/"


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture
def nurse(db):
    return StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def consultant(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])


def test_rows_show_the_score_its_parts_tracks_treatment_and_last_contact(nurse, consultant, api_for):
    busy = PatientFactory(named_nurse=nurse, family_name="Busy", given_name="Bea")
    CareTeamMemberFactory(patient=busy, user=consultant, role=StaffProfile.Role.CONSULTANT)
    quiet = PatientFactory(named_nurse=nurse, family_name="Quiet")
    pathways.relapse_record(actor=nurse, patient=busy, onset_date=days_ago(3), severity="moderate")
    Task.objects.create(title="Call back", patient=busy, assignee=nurse, due_on=days_ago(1))
    mri = pathways.investigation_request(actor=nurse, patient=busy, kind="mri_brain")
    pathways.investigation_record_result(
        actor=nurse, investigation=mri, result_summary="Normal", abnormal=False, done_on=days_ago(2)
    )
    referrals.referral_create(
        actor=nurse,
        patient=busy,
        target_team=Team.objects.get(code="oncology"),
        reason="Please assess.",
        urgency="urgent",
    )
    course = pathways.course_create(actor=consultant, patient=busy, agent="ivig", start_date=days_ago(20))

    response = api_for(nurse).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [busy.pk, quiet.pk]
    row = body["results"][0]
    assert (row["given_name"], row["family_name"], row["hospital_number"], row["status"]) == (
        "Bea",
        "Busy",
        busy.hospital_number,
        "active",
    )
    assert row["attention"] == 40 + 15 + 10 + 20
    assert row["attention_parts"] == {
        "open_relapse": True,
        "overdue_tasks": 1,
        "unacknowledged_results": 1,
        "urgent_referral": True,
        "stale_contact": False,
    }
    assert row["tracks"] == {
        "neurology": "not_involved",
        "oncology": "referred",  # moved by the referral
        "surgery": "not_involved",
        "nursing": "not_involved",
        "psychology": "not_involved",
        "neuropsychology": "not_involved",
        "therapies": "not_involved",
    }
    assert row["current_courses"] == [{"id": course.pk, "label": course.label, "status": "active"}]
    assert (row["last_contact"], row["days_since_contact"]) == (str(TODAY), 0)
    assert body["results"][1]["attention"] == 10  # an active child with no contact on record
    assert body["results"][1]["attention_parts"]["stale_contact"] is True
    assert (body["results"][1]["last_contact"], body["results"][1]["days_since_contact"]) == (None, None)


def test_only_my_named_and_care_team_children_are_listed(nurse, consultant, api_for):
    mine = PatientFactory(named_nurse=nurse)
    on_team = CareTeamMemberFactory(user=nurse).patient
    PatientFactory(named_nurse=StaffFactory())
    consultants_child = CareTeamMemberFactory(user=consultant, role=StaffProfile.Role.CONSULTANT).patient

    nurse_rows = api_for(nurse).get(URL).json()["results"]
    consultant_rows = api_for(consultant).get(URL).json()["results"]

    assert {r["id"] for r in nurse_rows} == {mine.pk, on_team.pk}
    assert [r["id"] for r in consultant_rows] == [consultants_child.pk]


def test_search_status_and_attention_filters(nurse, api_for):
    target = PatientFactory(named_nurse=nurse, nhs_number="9434765919", family_name="Target")
    referred = PatientFactory(named_nurse=nurse, status="referred", family_name="Referred")
    PatientFactory(named_nurse=nurse, family_name="Other")
    pathways.track_change_stage(actor=nurse, patient=target, specialty="nursing", to_stage="referred")
    client = api_for(nurse)

    def ids(**params):
        return [r["id"] for r in client.get(URL, params).json()["results"]]

    assert ids(q="943 476") == [target.pk]
    assert ids(q="Referred") == [referred.pk]
    assert ids(status="referred") == [referred.pk]
    # Target has recent contact; Other is active with none (stale); Referred is not active.
    assert len(ids(attention=1)) == 1 and target.pk not in ids(attention=1)
    bad = client.get(URL, {"status": "lost"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["status"]


def test_each_row_is_audited_once_per_request(nurse, api_for):
    children = [PatientFactory(named_nurse=nurse) for _ in range(2)]
    client = api_for(nurse)
    client.get(URL)
    client.get(URL)
    events = AccessEvent.objects.filter(user=nurse, what="caseload", channel="api")
    assert sorted(events.values_list("patient", flat=True)) == sorted([c.pk for c in children] * 2)


def test_a_family_is_refused_and_nothing_is_logged(cast, api_for):
    response = api_for(cast.family_a).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not AccessEvent.objects.filter(user=cast.family_a).exists()


def test_a_nurse_with_no_caseload_sees_no_one_elses_children(cast, api_for):
    response = api_for(cast.nurse_other).get(URL)
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize("size", [3, 40])
def test_the_caseload_query_count_is_flat(nurse, consultant, api_for, django_assert_max_num_queries, size):
    for i in range(size):
        patient = PatientFactory(named_nurse=nurse)
        if i % 3 == 0:
            Task.objects.create(title="Follow up", patient=patient, assignee=nurse, due_on=days_ago(1))
            pathways.track_change_stage(
                actor=nurse, patient=patient, specialty="nursing", to_stage="referred"
            )
            pathways.course_create(actor=consultant, patient=patient, agent="ivig", start_date=days_ago(5))
    client = api_for(nurse)
    client.refresh_scores = False
    attention_refresh()
    with django_assert_max_num_queries(
        7
    ):  # count, page by stored score, its flags, tracks, courses, audit (2)
        response = client.get(URL)
    assert response.json()["count"] == size
    assert sum(len(r["current_courses"]) for r in response.json()["results"]) == len(range(0, size, 3))


def test_rows_carry_both_tiers_and_the_reasons_in_words(nurse, api_for):
    child = PatientFactory(named_nurse=nurse)
    pathways.relapse_record(actor=nurse, patient=child, onset_date=days_ago(3), severity="moderate")
    Task.objects.create(title="Call back", patient=child, assignee=nurse, due_on=days_ago(1))

    [row] = api_for(nurse).get(URL).json()["results"]

    assert (row["clinical_urgency"], row["administrative_backlog"], row["attention"]) == (40, 15, 55)
    assert [(r["key"], r["tier"]) for r in row["reasons"]] == [
        ("open_relapse", "clinical"),
        ("overdue_tasks", "administrative"),
    ]
    assert row["reasons"][1]["text"] == "1 overdue task, due yesterday"
