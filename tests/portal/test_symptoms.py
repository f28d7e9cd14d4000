"""A family's "symptoms are coming back" report: exactly one urgent task for the named nurse (or the Nursing
queue), a flag on the caseload and the pathway, a "possible relapse" on the timeline, and safety advice."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.notifications.models import Delivery, Notification
from apps.pathways import services
from apps.pathways.models import SymptomReport
from apps.pathways.timeline import timeline_for
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from . import SYMPTOMS, SYMPTOMS_ALL_NO


def _report(client_for, cast, data=SYMPTOMS, **extra):
    return client_for(cast.family_a).post(f"/portal/children/{cast.child_a.pk}/symptoms/", {**data, **extra})


def test_the_form_asks_each_question_in_plain_words_with_fieldsets(client_for, cast):
    response = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/symptoms/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 7 and html.count("<legend>") == 7
    assert "Is Alice more unsteady when walking, standing or sitting?" in html
    assert "call 999 or go to A&amp;E now" in html
    # Every radio button and the text box has its own label.
    for name in SymptomReport.SYMPTOMS:
        for i in range(3):
            assert f'for="id_{name}_{i}"' in html
    assert 'for="id_free_text"' in html
    assert "<script" not in html.split("</head>")[1] and "style=" not in html


def test_a_report_opens_exactly_one_urgent_task_for_the_named_nurse(client_for, cast):
    response = _report(client_for, cast, free_text="Wobbly since Tuesday")

    assert response.status_code == 302
    assert response["Location"] == f"/portal/children/{cast.child_a.pk}/symptoms/sent/"
    report = SymptomReport.objects.get()
    assert (report.unsteady, report.sleep, report.recent_illness) == ("a_lot", "a_little", "yes")
    assert report.reported_by == cast.family_a and report.free_text == "Wobbly since Tuesday"
    task = Task.objects.get()
    assert task.source == Task.Source.SYMPTOM_REPORT
    assert task.priority == Task.Priority.URGENT
    assert task.assignee == cast.nurse_a and task.team is None
    assert task.source_key == f"symptom-report:{report.pk}"
    assert task.link_url == f"/patients/{cast.child_a.pk}/pathway/#symptom-report-{report.pk}"
    assert "Wobbly since Tuesday" in task.detail
    # The nurse is told at once: in the app, and by an email that carries no clinical detail.
    assert Notification.objects.filter(recipient=cast.nurse_a, kind="task_assigned").count() == 1
    email = Delivery.objects.get(to_address=cast.nurse_a.email)
    assert "Wobbly" not in email.body and "Alice" not in email.body


def test_sending_the_same_report_twice_makes_one_report_and_one_task(client_for, cast):
    _report(client_for, cast)
    _report(client_for, cast)
    assert SymptomReport.objects.count() == 1
    assert Task.objects.filter(source=Task.Source.SYMPTOM_REPORT).count() == 1


def test_without_a_named_nurse_the_nursing_queue_gets_it(client_for, cast):
    response = client_for(cast.family_b).post(f"/portal/children/{cast.child_b.pk}/symptoms/", SYMPTOMS)
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee is None and task.team.code == "nursing"
    assert task.priority == Task.Priority.URGENT


def test_the_confirmation_gives_safety_advice(client_for, cast):
    _report(client_for, cast)
    page = client_for(cast.family_a).get(f"/portal/children/{cast.child_a.pk}/symptoms/sent/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nina Nurse" in html and "will call you" in html
    assert "999" in html and "A&amp;E" in html and "NHS 111" in html


def test_the_caseload_and_the_pathway_flag_it_until_it_is_reviewed(client_for, cast):
    _report(client_for, cast)
    nurse = client_for(cast.nurse_a)

    caseload = nurse.get("/caseload/")
    assert "Symptoms reported by the family" in caseload.content.decode()
    row = caseload.context["rows"][0]
    assert row["items"]["open_symptom_report"] and row["attention"] >= 40
    review = nurse.get(f"/patients/{cast.child_a.pk}/pathway/")
    summary = review.context["summary"]
    assert any(item.startswith("Symptoms reported by the family") for item in summary.open_items)
    assert "Possible relapse" in review.content.decode()

    report = SymptomReport.objects.get()
    response = nurse.post(f"/patients/{cast.child_a.pk}/pathway/symptom-review/{report.pk}/")

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.reviewed_by == cast.nurse_a and report.reviewed_at is not None
    assert Task.objects.get().status == Task.Status.DONE
    assert "Symptoms reported by the family" not in nurse.get("/caseload/").content.decode()
    summary = nurse.get(f"/patients/{cast.child_a.pk}/pathway/").context["summary"]
    assert not any(item.startswith("Symptoms reported") for item in summary.open_items)
    with pytest.raises(ApplicationError) as again:
        services.symptom_report_review(actor=cast.nurse_a, report=report)
    assert again.value.code == "stale"


def test_the_timeline_shows_a_possible_relapse(client_for, cast):
    _report(client_for, cast)
    entries = [e for e in timeline_for(cast.child_a) if e.kind == "symptoms"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.summary.startswith(
        "Possible relapse: the family reported unsteady walking or balance (a lot)"
    )
    assert "recent illness or fever" in entry.summary and "not yet reviewed" in entry.summary
    assert entry.actor == "Anne Family" and entry.specialty == "neurology"
    api = client_for(cast.nurse_a).get(f"/api/v1/patients/{cast.child_a.pk}/timeline/")
    assert any(row["kind"] == "symptoms" for row in api.json()["results"])


def test_an_unanswered_question_is_a_400_and_nothing_is_sent(client_for, cast):
    incomplete = {k: v for k, v in SYMPTOMS.items() if k != "eye_movements"}
    response = _report(client_for, cast, data=incomplete)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_eye_movements_0"' in html
    assert not SymptomReport.objects.exists() and not Task.objects.exists()


def test_a_report_with_nothing_ticked_still_reaches_the_nurse(client_for, cast):
    assert _report(client_for, cast, data=SYMPTOMS_ALL_NO, free_text="Just not herself").status_code == 302
    assert Task.objects.get().priority == Task.Priority.URGENT


def test_another_family_cannot_report_on_a_child_that_is_not_theirs(client_for, cast):
    client = client_for(cast.family_b)
    assert client.get(f"/portal/children/{cast.child_a.pk}/symptoms/").status_code == 404
    assert client.post(f"/portal/children/{cast.child_a.pk}/symptoms/", SYMPTOMS).status_code == 404
    assert client.get(f"/portal/children/{cast.child_a.pk}/symptoms/sent/").status_code == 404
    assert not SymptomReport.objects.exists() and not Task.objects.exists()


def test_only_a_guardian_can_submit_and_only_clinicians_review(cast):
    with pytest.raises(PermissionDenied) as staff:
        services.symptom_report_submit(actor=cast.nurse_a, patient=cast.child_a, **SYMPTOMS)
    assert isinstance(staff.value, PermissionDenied)
    with pytest.raises(PermissionDenied) as other_family:
        services.symptom_report_submit(actor=cast.family_b, patient=cast.child_a, **SYMPTOMS)
    assert isinstance(other_family.value, PermissionDenied)
    report = services.symptom_report_submit(actor=cast.family_a, patient=cast.child_a, **SYMPTOMS)
    with pytest.raises(PermissionDenied) as family_review:
        services.symptom_report_review(actor=cast.family_a, report=report)
    assert isinstance(family_review.value, PermissionDenied)
    with pytest.raises(ValidationError) as bad:
        services.symptom_report_submit(
            actor=cast.family_a, patient=cast.child_a, **{**SYMPTOMS, "speech": "loads"}
        )
    assert "speech" in bad.value.message_dict
