from django.db.models import QuerySet

from apps.accounts.models import User

from .models import Notification


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
