from django.apps import AppConfig


class WorkingTimeConfig(AppConfig):
    """Working days and hours (Europe/London, bank holidays as data): a utility every app may use."""

    name = "apps.workingtime"
    label = "workingtime"
