"""Validation guards: INRG stage MS only under 18 months at diagnosis (HAZ-11); scale items "not
assessable" with a reason make a partial total, drawn distinctly (HAZ-12); a second open course of the
same agent needs confirming with a reason (HAZ-08)."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import selectors, services
from apps.pathways.chart import ScorePoint, severity_chart_svg
from apps.pathways.models import SeverityScore, SeverityScoreValue, TreatmentCourse, Tumour

from ..factories import CareTeamMemberFactory, StaffFactory

ITEMS = [
    services.ItemSpec("Stance", 0, 3),
    services.ItemSpec("Gait", 0, 3),
    services.ItemSpec("Speech", 0, 3),
]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def consultant(cast):
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=consultant, role=StaffProfile.Role.CONSULTANT)
    return consultant


# --- INRG MS ------------------------------------------------------------------------------------


def _tumour(consultant, child, born: datetime.date, found: datetime.date, stage="MS"):
    child.date_of_birth = born
    child.save(update_fields=["date_of_birth"])
    return services.tumour_record(
        actor=consultant, patient=child, site="Adrenal", detected_on=found, inrg_stage=stage
    )


def test_ms_is_accepted_under_18_months_at_diagnosis(cast, consultant):
    tumour = _tumour(
        consultant, cast.child_a, datetime.date(2024, 3, 10), datetime.date(2025, 9, 9)
    )  # 17 months
    assert tumour.inrg_stage == "MS"


def test_ms_is_refused_from_18_months_at_diagnosis_and_nothing_is_saved(cast, consultant):
    with pytest.raises(ValidationError) as refused:
        _tumour(consultant, cast.child_a, datetime.date(2024, 3, 10), datetime.date(2025, 9, 10))  # 18 months
    assert refused.value.message_dict["inrg_stage"] == [
        "INRG stage MS applies only to children under 18 months old at diagnosis; this child was 18 months "
        "old when the tumour was found (10 Sep 2025). Choose L1, L2 or M."
    ]
    assert not Tumour.objects.exists()


def test_a_tumour_cannot_be_restaged_to_ms_later_for_an_older_child(cast, consultant):
    tumour = _tumour(
        consultant, cast.child_a, datetime.date(2021, 1, 1), datetime.date(2025, 1, 1), stage="L1"
    )
    with pytest.raises(ValidationError):
        services.tumour_update(actor=consultant, tumour=tumour, inrg_stage="MS")
    tumour.refresh_from_db()
    assert tumour.inrg_stage == "L1"


def test_the_api_refuses_ms_for_an_older_child_with_the_one_error_shape(cast, consultant, api_for):
    response = api_for(consultant).post(
        f"/api/v1/patients/{cast.child_a.pk}/tumours/",
        {"site": "Adrenal", "detected_on": str(timezone.localdate()), "inrg_stage": "MS"},
        format="json",
    )
    assert response.status_code == 400  # the cast's children are 3 years old
    assert "inrg_stage" in response.json()["error"]["fields"]


# --- Not assessable and partial totals -----------------------------------------------------------


@pytest.fixture
def scale(db):
    return services.scale_create(actor=None, name="Demo scale", items=ITEMS, is_demo=True)


def _score(actor, child, scale, values, not_assessable=None, days_ago=1):
    return services.score_record(
        actor=actor,
        patient=child,
        scale=scale,
        assessed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        values=values,
        not_assessable=not_assessable,
    )


def test_an_item_not_assessable_for_age_is_kept_with_its_reason_and_the_total_is_partial(cast, scale):
    score = _score(cast.nurse_a, cast.child_a, scale, {"stance": 2, "gait": 3}, {"speech": "age"})
    speech = SeverityScoreValue.objects.get(score=score, item__code="speech")
    assert (speech.value, speech.not_assessable) == (None, "age")
    row = selectors.scores_with_totals(cast.child_a).get()
    assert (row.total, row.max_total, row.not_assessable_items) == (5, 9, 1)


@pytest.mark.parametrize(
    ("values", "not_assessable", "field"),
    [
        ({"stance": 2, "gait": 3}, {"speech": "sleepy"}, "speech"),  # not a reason we know
        ({"stance": 2, "gait": 3, "speech": 1}, {"speech": "unable"}, "speech"),  # a value and not assessable
        ({}, {"stance": "age", "gait": "age", "speech": "unable"}, "values"),  # nothing scored at all
        ({"stance": 2, "gait": 3}, {}, "speech"),  # still every item, or a reason
    ],
)
def test_not_assessable_needs_a_known_reason_and_no_value_and_something_scored(
    cast, scale, values, not_assessable, field
):
    with pytest.raises(ValidationError) as refused:
        _score(cast.nurse_a, cast.child_a, scale, values, not_assessable)
    assert field in refused.value.message_dict
    assert not SeverityScore.objects.exists()


def test_the_chart_draws_partial_totals_distinctly():
    day = datetime.date(2026, 1, 5)
    svg = severity_chart_svg(
        scores=[ScorePoint(day, 7, 9), ScorePoint(day + datetime.timedelta(days=30), 4, 9, partial=True)],
        courses=[],
        relapses=[],
        today=day + datetime.timedelta(days=40),
    )
    root = ET.fromstring(svg)
    partial = root.findall(f".//{SVG}g[@class='partial-score']")
    assert [g.get("data-date") for g in partial] == ["2026-02-04"]
    assert partial[0].find(f"{SVG}title").text == "04 Feb 2026: 4 (partial: some items not assessable)"
    assert partial[0].find(f"{SVG}text").text == "P"


def test_the_pathway_page_marks_a_partial_total_in_words_and_on_the_chart(
    cast, consultant, scale, client_for
):
    _score(cast.nurse_a, cast.child_a, scale, {"stance": 1, "gait": 1}, {"speech": "unable"})
    page = client_for(consultant).get(f"/patients/{cast.child_a.pk}/pathway/").content.decode()
    assert "<strong>partial</strong> (1 item not assessable)" in page
    assert 'class="partial-score"' in page


def test_the_score_form_offers_not_assessable_for_each_item(cast, consultant, scale, client_for):
    response = client_for(consultant).post(
        f"/patients/{cast.child_a.pk}/pathway/score/",
        {
            "score-assessed_on": str(timezone.localdate()),
            "score-item_stance": "2",
            "score-item_gait": "",
            "score-na_gait": "age",
            "score-item_speech": "1",
        },
    )
    assert response.status_code == 302
    assert SeverityScoreValue.objects.get(item__code="gait").not_assessable == "age"


def test_the_api_records_not_assessable_items_and_says_the_total_is_partial(cast, consultant, scale, api_for):
    response = api_for(consultant).post(
        f"/api/v1/patients/{cast.child_a.pk}/scores/",
        {
            "scale": scale.pk,
            "assessed_on": str(timezone.localdate()),
            "values": {"stance": 1, "gait": 2},
            "not_assessable": {"speech": "age"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["is_partial"], body["not_assessable"]) == (3, True, {"speech": "age"})


# --- A second open course of the same agent ------------------------------------------------------


def _course(consultant, child, **extra):
    return services.course_create(
        actor=consultant, patient=child, agent="ivig", start_date=timezone.localdate(), **extra
    )


def test_a_second_open_course_of_the_same_agent_asks_for_confirmation_and_a_reason(cast, consultant):
    _course(consultant, cast.child_a)
    for extra in ({}, {"confirm_second_course": True}, {"second_course_reason": "Relapse while weaning"}):
        with pytest.raises(ValidationError) as asked:
            _course(consultant, cast.child_a, **extra)
        assert asked.value.error_dict["second_course_reason"][0].code == "second_course"
        assert "already has an open IVIG course" in asked.value.messages[0]
    assert TreatmentCourse.objects.count() == 1
    second = _course(
        consultant, cast.child_a, confirm_second_course=True, second_course_reason="Second site, shared care"
    )
    assert second.second_course_reason == "Second site, shared care"


def test_another_agent_or_an_ended_course_needs_no_confirmation(cast, consultant):
    first = _course(consultant, cast.child_a)
    services.course_create(
        actor=consultant, patient=cast.child_a, agent="acth", start_date=timezone.localdate()
    )
    services.course_transition(actor=consultant, course=first, to_status="completed")
    assert _course(consultant, cast.child_a).second_course_reason == ""


def test_the_course_form_shows_the_question_next_to_the_reason(cast, consultant, client_for):
    _course(consultant, cast.child_a)
    response = client_for(consultant).post(
        f"/patients/{cast.child_a.pk}/pathway/course/",
        {"course-agent": "ivig", "course-status": "active", "course-start_date": str(timezone.localdate())},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "To record a second one, confirm and say why." in response.content.decode()
