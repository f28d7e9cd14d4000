from django.apps import AppConfig


class MdtConfig(AppConfig):
    name = "apps.mdt"
    label = "mdt"
    verbose_name = "MDT meetings"

    def ready(self) -> None:
        from . import timeline  # noqa: F401  (the outcome timeline source)
