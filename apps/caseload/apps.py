from django.apps import AppConfig


class CaseloadConfig(AppConfig):
    name = "apps.caseload"
    label = "caseload"

    def ready(self) -> None:
        from carecoord import attention

        from .services import attention_recompute

        # The services below the caseload announce changed inputs; the stored scores follow them.
        attention.subscribe(attention_recompute)
