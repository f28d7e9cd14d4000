from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.types import request_user

from . import selectors, services

# Families read their updates on the portal's own page (cards in plain words, built for a phone);
# named by URL, since nothing imports the portal.
FAMILY_UPDATES = "portal:updates"


def _is_family(request: HttpRequest) -> bool:
    return request_user(request).kind == User.Kind.FAMILY


def notification_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:staff_login")
    if _is_family(request):
        return redirect(FAMILY_UPDATES)
    notifications = selectors.notifications_for(user=request_user(request))[:100]
    return render(request, "notifications/list.html", {"notifications": notifications})


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:staff_login")
    services.notifications_mark_read(actor=request_user(request))
    return redirect(FAMILY_UPDATES if _is_family(request) else "notifications:list")
