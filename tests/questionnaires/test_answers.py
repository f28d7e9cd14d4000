"""Families answer their own child's questionnaires; answers are scored, stored once per assignment,
and a worsening beyond the threshold gives the named nurse a task (urgent while a watch is open)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.notifications.models import Delivery, Notification
from apps.questionnaires import services
from apps.questionnaires.models import Assignment, QuestionnaireResponse, ResponseAnswer
from apps.tasks.models import Task

CALM = {"settling": "easily", "night-waking": "0", "rages": "none", "content": "yes", "play": "as-usual"}  # 1
HARD = {
    "settling": "not-at-all",
    "night-waking": "4",
    "rages": "several-a-day",
    "content": "no",
    "play": "much-less",
}


def _assign(cast, questionnaire):
    return services.assignment_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        questionnaire=questionnaire,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )


def _answered(cast, questionnaire, answers):
    return services.response_submit(
        actor=cast.family_a, assignment=_assign(cast, questionnaire), answers=answers
    )[0]


def test_staff_assignment_reminds_the_family_through_the_outbox(
    cast, demo_questionnaire, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        assignment = _assign(cast, demo_questionnaire)
    assert assignment.version.is_current and assignment.reason == Assignment.Reason.STAFF
    note = Notification.objects.get(recipient=cast.family_a, kind="questionnaire_assigned")
    assert note.url == f"/portal/children/{cast.child_a.pk}/questionnaires/{assignment.pk}/"
    email = Delivery.objects.get(notification=note)
    assert email.to_address == cast.family_a.email and demo_questionnaire.title not in email.body
    assert not Notification.objects.filter(recipient=cast.family_b).exists()


def test_only_the_care_team_assigns_and_not_in_the_past(cast, demo_questionnaire):
    with pytest.raises(PermissionDenied):
        _assign(cast.__class__(**{**cast.__dict__, "nurse_a": cast.nurse_glass}), demo_questionnaire)
    with pytest.raises(ValidationError, match="past"):
        services.assignment_create(
            actor=cast.nurse_a,
            patient=cast.child_a,
            questionnaire=demo_questionnaire,
            due_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert not Assignment.objects.exists()


def test_bad_answers_are_refused_in_plain_words_and_save_nothing(cast, demo_questionnaire):
    assignment = _assign(cast, demo_questionnaire)
    bad = {**CALM, "night-waking": "7", "rages": "sometimes", "content": "maybe"}
    del bad["settling"]
    with pytest.raises(ValidationError) as refused:
        services.response_submit(actor=cast.family_a, assignment=assignment, answers={**bad, "nope": "1"})
    errors = refused.value.message_dict
    assert errors["settling"] == ["Answer this question."]
    assert errors["night-waking"] == ["Enter a number from 0 to 5."]
    assert errors["rages"] == ["Choose one of the answers."]
    assert errors["content"] == ["Choose yes or no."]
    assert "nope" in errors["answers"][0]
    assert not QuestionnaireResponse.objects.exists() and not ResponseAnswer.objects.exists()
    assert not Task.objects.filter(source=Task.Source.QUESTIONNAIRE).exists()


def test_a_response_is_stored_like_a_questionnaire_response_and_scored(cast, demo_questionnaire):
    response = _answered(cast, demo_questionnaire, {**CALM, "anything-else": "Sleeping well"})
    assert response.author == cast.family_a and response.version.questionnaire == demo_questionnaire
    assert (response.total_score, response.max_score, response.change) == (1, 15, None)
    answers = {a.link_id: a for a in response.answers.all()}
    assert answers["settling"].value_code == "easily" and answers["night-waking"].value_integer == 0
    assert answers["content"].value_boolean is True and answers["anything-else"].value_text == "Sleeping well"


def test_a_second_submission_is_answered_with_the_first_response(cast, demo_questionnaire):
    assignment = _assign(cast, demo_questionnaire)
    first, created = services.response_submit(actor=cast.family_a, assignment=assignment, answers=CALM)
    again, created_again = services.response_submit(actor=cast.family_a, assignment=assignment, answers=HARD)
    assert created and not created_again and again.pk == first.pk and again.total_score == 1
    assert QuestionnaireResponse.objects.count() == 1


def test_staff_and_another_family_cannot_answer(cast, demo_questionnaire):
    assignment = _assign(cast, demo_questionnaire)
    for someone in (cast.nurse_a, cast.family_b):
        with pytest.raises(PermissionDenied):
            services.response_submit(actor=someone, assignment=assignment, answers=CALM)
    assert not QuestionnaireResponse.objects.exists()


def test_a_worse_response_beyond_the_threshold_gives_the_named_nurse_a_task_once(
    cast, demo_questionnaire, fake_watch
):
    _answered(cast, demo_questionnaire, CALM)
    small = _answered(cast, demo_questionnaire, {**CALM, "settling": "hard", "night-waking": "1"})  # +3 < 4
    assert small.change == 3
    assert not Task.objects.filter(source=Task.Source.QUESTIONNAIRE).exists()
    worse = _answered(cast, demo_questionnaire, HARD)
    assert worse.total_score == 14 and worse.change == 14 - 4
    [task] = Task.objects.filter(source=Task.Source.QUESTIONNAIRE)
    assert task.assignee == cast.nurse_a and task.patient == cast.child_a
    assert task.priority == Task.Priority.HIGH
    assert task.link_url == f"/patients/{cast.child_a.pk}/questionnaires/responses/{worse.pk}/"
    assert task.source_key == f"questionnaire-worse:{worse.pk}"
    better = _answered(cast, demo_questionnaire, CALM)
    assert better.change < 0 and Task.objects.filter(source=Task.Source.QUESTIONNAIRE).count() == 1


def test_a_worse_response_during_a_watch_gives_an_urgent_task(cast, demo_questionnaire, fake_watch):
    _answered(cast, demo_questionnaire, CALM)
    fake_watch.open(cast.child_a.pk, reason="Weaning prednisolone")
    _answered(cast, demo_questionnaire, HARD)
    [task] = Task.objects.filter(source=Task.Source.QUESTIONNAIRE)
    assert task.priority == Task.Priority.URGENT
    assert "watch period: Weaning prednisolone" in task.detail


def test_the_threshold_is_data_on_the_questionnaire(cast, demo_questionnaire):
    demo_questionnaire.change_threshold = None
    demo_questionnaire.save(update_fields=["change_threshold"])
    _answered(cast, demo_questionnaire, CALM)
    _answered(cast, demo_questionnaire, HARD)
    assert not Task.objects.filter(source=Task.Source.QUESTIONNAIRE).exists()


# Pages and the API.


def test_family_sees_and_answers_only_their_own_childs_questionnaires(cast, demo_questionnaire, client_for):
    mine = _assign(cast, demo_questionnaire)
    theirs = Assignment.objects.create(
        patient=cast.child_b, version=mine.version, reason="staff", due_on=mine.due_on
    )
    client = client_for(cast.family_a)
    listing = client.get(f"/portal/children/{cast.child_a.pk}/questionnaires/")
    assert listing.status_code == 200 and demo_questionnaire.title.encode() in listing.content
    assert client.get(f"/portal/children/{cast.child_b.pk}/questionnaires/").status_code == 404
    # Another child's assignment, under either child's address: 404, and nothing saved.
    assert client.get(f"/portal/children/{cast.child_b.pk}/questionnaires/{theirs.pk}/").status_code == 404
    assert (
        client.post(f"/portal/children/{cast.child_a.pk}/questionnaires/{theirs.pk}/", CALM).status_code
        == 404
    )
    assert not QuestionnaireResponse.objects.exists()
    page = client.get(f"/portal/children/{cast.child_a.pk}/questionnaires/{mine.pk}/")
    assert page.status_code == 200 and b"How easily did they settle to sleep?" in page.content
    sent = client.post(f"/portal/children/{cast.child_a.pk}/questionnaires/{mine.pk}/", CALM, follow=True)
    assert b"Your answers have been sent" in sent.content and b"You answered this on" in sent.content
    again = client.post(f"/portal/children/{cast.child_a.pk}/questionnaires/{mine.pk}/", HARD)
    assert again.status_code == 302
    assert QuestionnaireResponse.objects.get().total_score == 1


def test_a_bad_answer_on_the_page_shows_a_plain_message_and_saves_nothing(
    cast, demo_questionnaire, client_for
):
    assignment = _assign(cast, demo_questionnaire)
    client = client_for(cast.family_a)
    page = client.post(
        f"/portal/children/{cast.child_a.pk}/questionnaires/{assignment.pk}/",
        {**CALM, "night-waking": "lots"},
    )
    assert page.status_code == 400
    assert b"There is a problem" in page.content and b"Enter a whole number, like 3." in page.content
    assert not QuestionnaireResponse.objects.exists()


def test_staff_read_responses_on_the_childs_tab_with_an_access_event_each(
    cast, demo_questionnaire, client_for
):
    response = _answered(cast, demo_questionnaire, CALM)
    client = client_for(cast.nurse_a)
    tab = client.get(f"/patients/{cast.child_a.pk}/questionnaires/")
    assert tab.status_code == 200 and b"<strong>1</strong> of 15" in tab.content
    detail = client.get(f"/patients/{cast.child_a.pk}/questionnaires/responses/{response.pk}/")
    assert (
        detail.status_code == 200
        and b"It was very hard" not in detail.content
        and b"Easily" in detail.content
    )
    events = AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a)
    assert set(events.values_list("what", flat=True)) == {"questionnaire responses", "questionnaire response"}
    assert client_for(cast.nurse_other).get(f"/patients/{cast.child_a.pk}/questionnaires/").status_code == 404
    other = client_for(cast.nurse_other).get(
        f"/patients/{cast.child_a.pk}/questionnaires/responses/{response.pk}/"
    )
    assert other.status_code == 404


def test_a_response_of_another_child_is_404_under_this_childs_address(cast, demo_questionnaire, client_for):
    response = _answered(cast, demo_questionnaire, CALM)
    cast.member_a.__class__.objects.create(
        patient=cast.child_b, user=cast.nurse_a, start_date=timezone.localdate()
    )
    client = client_for(cast.nurse_a)
    assert (
        client.get(f"/patients/{cast.child_b.pk}/questionnaires/responses/{response.pk}/").status_code == 404
    )


def test_staff_assign_on_the_page_and_break_glass_readers_cannot(cast, demo_questionnaire, client_for):
    due = (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    url = f"/patients/{cast.child_a.pk}/questionnaires/assign/"
    assert (
        client_for(cast.nurse_glass)
        .post(url, {"questionnaire": demo_questionnaire.pk, "due_on": due})
        .status_code
        == 403
    )
    assert not Assignment.objects.exists()
    done = client_for(cast.nurse_a).post(url, {"questionnaire": demo_questionnaire.pk, "due_on": due})
    assert done.status_code == 302 and Assignment.objects.get().due_on.isoformat() == due
    bad = client_for(cast.nurse_a).post(url, {"questionnaire": demo_questionnaire.pk, "due_on": "2000-01-01"})
    assert bad.status_code == 400 and b"cannot be in the past" in bad.content
    assert Assignment.objects.count() == 1


def test_the_api_lists_scored_responses_for_staff_in_flat_queries(
    cast, demo_questionnaire, api_for, django_assert_max_num_queries
):
    _answered(cast, demo_questionnaire, CALM)
    url = f"/api/v1/patients/{cast.child_a.pk}/questionnaire-responses/"
    api = api_for(cast.nurse_a)
    with django_assert_max_num_queries(20) as one:
        body = api.get(url).json()
    for _ in range(4):
        _answered(cast, demo_questionnaire, HARD)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = api.get(url).json()
    assert body["count"] == 5
    first = body["results"][-1]
    assert first["total_score"] == 1 and first["max_score"] == 15 and first["questionnaire_version"] == 1
    assert {"link_id": "settling", "value_code": "easily"}.items() <= first["answers"][0].items()
    assert AccessEvent.objects.filter(
        user=cast.nurse_a, what="questionnaire responses", channel="api"
    ).exists()
    assert api_for(cast.family_a).get(url).status_code == 403
    assert api_for(cast.family_b).get(url).status_code == 404


def test_responses_are_on_the_timeline_and_the_chart_layer(cast, demo_questionnaire):
    from apps.pathways.timeline import timeline_for
    from carecoord.family_layers import family_layers

    response = _answered(cast, demo_questionnaire, CALM)
    [entry] = [e for e in timeline_for(cast.child_a) if e.kind == "questionnaire"]
    assert "1 of 15" in entry.summary and entry.url.endswith(f"/responses/{response.pk}/")
    today = timezone.localdate()
    [point] = family_layers(cast.child_a.pk, today - datetime.timedelta(days=1), today).points
    assert (point.series, point.value, point.max_value) == (demo_questionnaire.title, 1.0, 15.0)
    assert not family_layers(cast.child_b.pk, today, today).points
