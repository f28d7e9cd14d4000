from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "apps.research"
    label = "research"
    verbose_name = "Consent and research export"
