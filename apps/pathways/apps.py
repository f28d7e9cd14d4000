from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "apps.pathways"
    label = "pathways"

    def ready(self) -> None:
        from . import symptoms  # noqa: F401  (registers the family symptom-report timeline source)
        from .services import cover_flags, response_review, surveillance  # noqa: F401  (safety flag sources)
