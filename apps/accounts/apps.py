from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Signal receivers: failure and lockout logging, session stamps, the two-step flag.
        from . import checks  # noqa: F401  (deployment checks)
        from .security import lockout, sessions, two_factor  # noqa: F401
