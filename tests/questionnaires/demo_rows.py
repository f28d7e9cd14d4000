"""The migration's demo questionnaire, for tests that need it after a transactional test (which
flushes the tables the migration filled) has run in the same process."""

import importlib

from django.apps import apps

from apps.questionnaires.models import Questionnaire

DEMO_CODE = "behaviour-and-sleep-demo"


def demo_questionnaire_row() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(code=DEMO_CODE).first()
    if questionnaire is None:
        importlib.import_module("apps.questionnaires.migrations.0002_demo_configuration").seed(apps, None)
        questionnaire = Questionnaire.objects.get(code=DEMO_CODE)
    return questionnaire
