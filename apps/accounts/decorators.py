"""Login gates for staff pages. The family portal's gate is in apps/patients/decorators.py: it needs
the guardian links."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from .roles import staff_role


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
