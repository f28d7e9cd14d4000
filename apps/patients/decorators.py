"""The family portal's login gate: it ends the session when a guardian's last link has ended."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.roles import is_family

from .models import Guardian

ACCESS_ENDED_MESSAGE = (
    "Your access to CareCoord has ended, so you have been logged out. "
    "If you think this is a mistake, please contact your child's nurse specialist."
)


def _all_links_ended(user: Any) -> bool:
    """True when this family user was linked to children and every link has been deactivated.

    A family account never linked yet keeps its "not linked yet" home page.
    """
    links = set(Guardian.objects.filter(user=user).values_list("is_active", flat=True).distinct())
    return bool(links) and True not in links


def family_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Family portal pages: anonymous users go to the family login; staff get 404.

    Access to a particular child ends at once through visible_patients. When staff deactivate a
    guardian's last link, the next request also ends the live session.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:family_login"))
        if not is_family(request.user):
            raise Http404
        if _all_links_ended(request.user):
            logout(request)
            messages.info(request, ACCESS_ENDED_MESSAGE)
            return redirect("accounts:family_login")
        return view(request, *args, **kwargs)

    return wrapper
