from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "apps.questionnaires"
    label = "questionnaires"
    verbose_name = "Family questionnaires"

    def ready(self) -> None:
        from . import layers, timeline  # noqa: F401  (the chart's family layer and the timeline source)
