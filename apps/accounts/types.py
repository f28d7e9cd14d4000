"""Request and user types for views, so type checking knows who the caller is."""

from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from .models import User

AnyUser: TypeAlias = User | AnonymousUser


class AuthedRequest(HttpRequest):
    """A request that passed staff_required or family_required."""

    user: User
    request_id: str
    if TYPE_CHECKING:
        from django_htmx.middleware import HtmxDetails

        htmx: HtmxDetails


def request_user(request: Any) -> User:
    """The logged-in user of an HTML or API request that requires login."""
    user = request.user
    if not isinstance(user, User):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return user
