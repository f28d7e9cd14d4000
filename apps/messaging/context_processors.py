from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts import roles
from apps.accounts.models import User

from .header import header_unread_count


def unread_messages(request: HttpRequest) -> dict[str, object]:
    """Conversations with something new, for the header's "Messages" link (staff and families only).

    Lazy: counted only when a page's header shows it, so htmx partials cost no query; kept per process
    while nothing it depends on has moved (``header.py``).
    """
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not (roles.is_family(user) or roles.staff_role(user)):
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: header_unread_count(user))}
