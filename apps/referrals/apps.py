from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "apps.referrals"
    label = "referrals"

    def ready(self) -> None:
        from apps.patients import access

        from . import timeline  # noqa: F401  (registers the referral timeline source)
        from .permissions import open_referral_scope, open_referral_team_scope

        access.register_scope_provider(access.OPEN_REFERRAL, open_referral_scope)
        access.register_team_scope_provider(access.OPEN_REFERRAL, open_referral_team_scope)
