from django.db.models import Q, QuerySet

from apps.accounts import roles
from apps.accounts.models import User
from carecoord import patient_scope

from .models import Notification


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """A user's notifications. A family's are limited to children they can still see (access ended: gone)."""
    notifications = Notification.objects.filter(recipient=user)
    if roles.is_family(user):
        notifications = notifications.filter(
            Q(patient__isnull=True) | Q(patient__in=patient_scope.visible_patient_ids(user))
        )
    return notifications
