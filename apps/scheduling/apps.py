from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "apps.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from . import receivers, timeline  # noqa: F401  (signal receiver and timeline source)
        from .services import followup  # noqa: F401  (safety flag source)
