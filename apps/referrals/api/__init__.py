from .views import ReferralViewSet

__all__ = ["ReferralViewSet"]
