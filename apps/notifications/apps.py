from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"

    def ready(self) -> None:
        # accounts sits below notifications: it sends its emails through this hook, not an import.
        from apps.accounts.mail import register_email_sender

        from .services import email_enqueue

        register_email_sender(email_enqueue)
