"""Neuropsychology: an assessment with results per domain closes the due re-evaluation; results over
time as a chart and table; the school and its support keep history; bad input changes nothing."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AccessEvent
from apps.neuropsych import selectors, services
from apps.neuropsych.chart import domains_chart_svg
from apps.neuropsych.models import Assessment, SchoolSupport
from apps.tasks.models import Task

R = services.ResultSpec


def _record(actor, patient, on=datetime.date(2026, 3, 18), results=None, **kwargs):
    return services.assessment_record(
        actor=actor,
        patient=patient,
        assessed_on=on,
        assessed_by=kwargs.pop("assessed_by", actor),
        results=results if results is not None else [R("attention", 2, "Needs prompts"), R("memory", 4)],
        recommendations=kwargs.pop("recommendations", "Short instructions; extra time in tests."),
    )


def test_recording_an_assessment_closes_the_due_re_evaluation_and_its_task(
    cast, neuropsychologist, review_due
):
    task = Task.objects.get(source=Task.Source.RE_EVALUATION)
    assert task.status == Task.Status.OPEN

    _record(neuropsychologist, cast.child_a)

    review_due.refresh_from_db()
    assert review_due.completed_on == datetime.date(2026, 3, 18)
    assert review_due.completed_by == neuropsychologist
    task.refresh_from_db()
    assert task.status == Task.Status.DONE


def test_an_assessment_long_before_the_review_window_leaves_it_due(cast, neuropsychologist, review_due):
    _record(neuropsychologist, cast.child_a, on=datetime.date(2025, 12, 10))
    review_due.refresh_from_db()
    assert review_due.completed_on is None


def test_bad_input_is_explained_in_plain_words_and_nothing_is_saved(cast, neuropsychologist, review_due):
    with pytest.raises(ValidationError) as exc:
        _record(
            neuropsychologist,
            cast.child_a,
            on=datetime.date(2026, 4, 1),
            results=[R("attention", None), R("attention", 3)],
            recommendations=" ",
        )
    errors = exc.value.message_dict
    assert errors["assessed_on"] == ["The assessment date cannot be in the future."]
    assert errors["attention"] == ["Choose the result band."]
    assert "entered twice" in errors["results"][0] and "recommendations" in errors
    with pytest.raises(ValidationError) as none:
        _record(neuropsychologist, cast.child_a, results=[])
    assert none.value.message_dict["results"] == ["Enter a result for at least one domain tested."]
    assert not Assessment.objects.exists()
    review_due.refresh_from_db()
    assert review_due.completed_on is None


def test_only_a_neuropsychologist_or_psychologist_who_sees_the_child_records(cast, neuropsychologist):
    with pytest.raises(PermissionDenied):
        _record(cast.nurse_a, cast.child_a)
    with pytest.raises(PermissionDenied):
        _record(neuropsychologist, cast.child_b)


def test_the_chart_has_a_panel_per_domain_tested_and_escapes_labels(cast, neuropsychologist):
    _record(neuropsychologist, cast.child_a, on=datetime.date(2024, 3, 1), results=[R("attention", 1)])
    _record(neuropsychologist, cast.child_a, results=[R("attention", 3), R("language", 4)])
    rows = selectors.results_by_domain(list(selectors.assessments_of(patient=cast.child_a)))

    assert [(r.domain, [p[1] for p in r.points]) for r in rows] == [("attention", [1, 3]), ("language", [4])]
    svg = ET.fromstring(domains_chart_svg(rows))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 3 and len(svg.findall(f"{ns}polyline")) == 1
    assert svg.get("aria-describedby") == "neuropsych-table"


def test_the_pages_show_results_audited_with_constant_queries(
    client_for, cast, neuropsychologist, django_assert_max_num_queries
):
    for day in (datetime.date(2025, 1, 5), datetime.date(2025, 6, 5), datetime.date(2026, 1, 5)):
        _record(neuropsychologist, cast.child_a, on=day)
    client = client_for(neuropsychologist)
    with django_assert_max_num_queries(40):
        page = client.get(f"/patients/{cast.child_a.pk}/neuropsychology/")
    assert page.status_code == 200 and "Needs prompts" in page.content.decode()
    pathway = client.get(f"/patients/{cast.child_a.pk}/pathway/").content.decode()
    assert 'id="neuropsych-heading"' in pathway and "<svg" in pathway
    assert AccessEvent.objects.filter(user=neuropsychologist, what="neuropsychology").exists()


def test_the_record_form_shows_field_errors(client_for, cast, neuropsychologist):
    response = client_for(neuropsychologist).post(
        f"/patients/{cast.child_a.pk}/neuropsychology/",
        {
            "assessed_on": "",
            "assessed_by": neuropsychologist.pk,
            "memory_notes": "no band",
            "recommendations": "x",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date of the assessment." in body and "Choose the result band." in body
    assert not Assessment.objects.exists()


def test_school_support_keeps_history_and_checks_ehcp_dates(cast, neuropsychologist):
    common = {"actor": cast.nurse_a, "patient": cast.child_a, "school": "Hillside Primary"}
    services.school_support_update(**common, status="sen_support", status_since=datetime.date(2025, 9, 1))
    with pytest.raises(ValidationError) as exc:
        services.school_support_update(
            **common,
            status="ehcp_in_place",
            ehcp_requested_on=datetime.date(2026, 1, 10),
            ehcp_in_place_on=datetime.date(2025, 12, 1),
        )
    assert exc.value.message_dict["ehcp_in_place_on"] == [
        "The EHCP cannot be in place before it was requested."
    ]
    support = services.school_support_update(
        **common,
        status="ehcp_requested",
        ehcp_requested_on=datetime.date(2026, 1, 10),
        contact_name="Ms SENCo",
    )
    assert support.status == SchoolSupport.Status.EHCP_REQUESTED
    assert [h.status for h in support.history.order_by("history_date")] == ["sen_support", "ehcp_requested"]
    with pytest.raises(PermissionDenied):
        services.school_support_update(actor=cast.family_a, patient=cast.child_a, school="X", status="none")


def test_the_demo_has_a_child_with_two_assessments_and_the_policy_asks_for_school_retests(db):
    from django.core.management import call_command

    from apps.scheduling.models import ReviewPolicy

    call_command("seed_demo")
    call_command("seed_demo")  # a second run adds nothing
    assert ReviewPolicy.objects.get(name="Neuropsychology re-evaluation").school_retest_years == [6, 11]
    [child] = {a.patient_id for a in Assessment.objects.all()}
    assert Assessment.objects.filter(patient_id=child).count() == 2
    assert SchoolSupport.objects.get(patient_id=child).status == SchoolSupport.Status.SEN_SUPPORT
