from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "apps.referrals"
    label = "referrals"

    def ready(self) -> None:
        from . import timeline  # noqa: F401  (registers the referral timeline source)
