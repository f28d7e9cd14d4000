from django.apps import AppConfig


class NeuropsychConfig(AppConfig):
    name = "apps.neuropsych"
    label = "neuropsych"
    verbose_name = "Neuropsychology and school support"

    def ready(self) -> None:
        from . import sections, timeline  # noqa: F401  (the pathway card and the timeline source)
