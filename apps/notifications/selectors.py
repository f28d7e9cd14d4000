from django.db.models import Q, QuerySet

from apps.accounts.models import User
from apps.patients import access

from .models import Notification


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """A user's notifications. A family's are limited to children they can still see (access ended: gone)."""
    notifications = Notification.objects.filter(recipient=user)
    if access.is_family(user):
        notifications = notifications.filter(
            Q(patient__isnull=True) | Q(patient__in=access.visible_patients(user))
        )
    return notifications
