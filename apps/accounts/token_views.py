"""The account pages' API token section: staff at /account/; families at /portal/account/api-tokens/
(that view is the portal's, behind its family_required, and uses ``tokens_page`` below)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from . import tokens
from .decorators import staff_required
from .types import AuthedRequest


def tokens_page(request: AuthedRequest, *, template: str, here: str) -> HttpResponse:
    """List the caller's own tokens; POST makes one (shown once) or revokes one of theirs."""
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
    return tokens_page(request, template="accounts/account.html", here="accounts:account")
