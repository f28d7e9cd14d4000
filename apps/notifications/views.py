from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.types import request_user

from . import selectors, services


def _base_template(request: HttpRequest) -> str:
    return "portal/base.html" if request_user(request).kind == User.Kind.FAMILY else "staff/base.html"


def notification_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:staff_login")
    notifications = selectors.notifications_for(user=request_user(request))[:100]
    context = {"notifications": notifications, "base_template": _base_template(request)}
    return render(request, "notifications/list.html", context)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:staff_login")
    services.notifications_mark_read(actor=request_user(request))
    return redirect("notifications:list")
