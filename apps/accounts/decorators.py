from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from apps.patients.access import is_family, staff_role


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Staff pages: anonymous users go to the staff login; anyone else who is not staff gets 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:staff_login"))
        if staff_role(request.user) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def family_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Family portal pages: anonymous users go to the family login; staff get 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:family_login"))
        if not is_family(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
