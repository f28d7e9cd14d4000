"""The questionnaire app asks about watches only through ``carecoord.watch``; here no stand-in answers
(the questionnaire tests use one): ``apps.watch`` does, so a watch a nurse opens makes a worse
questionnaire an urgent task, and the weekly policy finds the child."""

from django.utils import timezone

from apps.tasks.models import Task
from apps.watch.services import watch_open
from carecoord import watch
from tests.questionnaires.demo_rows import demo_questionnaire_row
from tests.questionnaires.test_answers import CALM, HARD, _answered


def test_a_worse_questionnaire_in_a_staff_opened_watch_is_an_urgent_task(cast):
    questionnaire = demo_questionnaire_row()
    _answered(cast, questionnaire, CALM)
    watch_open(actor=cast.nurse_a, patient=cast.child_a, days=14, reason="Sibling has chickenpox")

    assert cast.child_a.pk in watch.patients_in_watch(timezone.localdate())
    _answered(cast, questionnaire, HARD)

    [task] = Task.objects.filter(source=Task.Source.QUESTIONNAIRE)
    assert task.priority == Task.Priority.URGENT
    assert "Sibling has chickenpox" in task.detail
