from django.apps import AppConfig


class MdtConfig(AppConfig):
    name = "apps.mdt"
    label = "mdt"
    verbose_name = "MDT meetings"

    def ready(self) -> None:
        from apps.documents.generation import release_belongs_to

        from . import timeline  # noqa: F401  (the outcome timeline source)
        from .release import LETTER_KIND

        release_belongs_to(
            LETTER_KIND, "Release this letter from the child's MDT outcome, with its family wording."
        )
