from django.http import HttpRequest

from .selectors import notifications_for


def unread_notifications(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notifications_for(user=user).filter(read_at__isnull=True).count()}
