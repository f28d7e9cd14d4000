"""The account pages' API token section, for staff (/account/) and families (/portal/account/api-tokens/)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from . import tokens
from .decorators import family_required, staff_required
from .types import AuthedRequest


def _tokens_page(request: AuthedRequest, *, template: str, here: str) -> HttpResponse:
    new_token = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                tokens.api_token_revoke(actor=request.user, token_key=request.POST.get("token_key", ""))
                messages.success(request, "The token has been revoked. It stops working at once.")
            else:
                _token, new_token = tokens.api_token_create(actor=request.user)
        except SERVICE_REFUSALS as exc:
            messages.error(request, " ".join(refusal_messages(exc)))
        if not new_token:
            return redirect(here)
    context = {
        "tokens": tokens.api_tokens_of(user=request.user),
        "new_token": new_token,
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, template, context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_account(request: AuthedRequest) -> HttpResponse:
    return _tokens_page(request, template="accounts/account.html", here="accounts:account")


@family_required
@require_http_methods(["GET", "POST"])
def family_api_tokens(request: AuthedRequest) -> HttpResponse:
    return _tokens_page(request, template="portal/api_tokens.html", here="accounts:family_api_tokens")
