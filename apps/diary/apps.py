from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "apps.diary"
    label = "diary"
    verbose_name = "Symptom diary"

    def ready(self) -> None:
        from carecoord import family_layers

        from .layers import diary_layers  # also registers the timeline source

        family_layers.register(diary_layers)
