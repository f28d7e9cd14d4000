from django.apps import AppConfig


class TransitionConfig(AppConfig):
    name = "apps.transition"
    label = "transition"
    verbose_name = "Transition to adult services"
