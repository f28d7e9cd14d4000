"""Two-step verification pages: set up an app, enter a code, backup codes, and turn it off.

Set-up and the code page are the only pages (with log out) an unverified session reaches
(gate.py). Set-up never replaces a confirmed app from an unverified session, or the second step
could be skipped by setting up a new one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carecoord.errors import form_add_service_errors

from ..forms import SecondStepCodeForm
from ..types import AuthedRequest
from ..views import home_url_for
from . import two_factor

SHOW_CODES_SESSION_KEY = "carecoord_backup_codes_to_show"


def _next(request: AuthedRequest) -> str:
    """Where to go after this step: the page asked for, if it is on this site, else home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return home_url_for(request.user)


def _with_next(url_name: str, request: AuthedRequest, next_url: str | None = None) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url or _next(request)})}"


def _context(request: AuthedRequest, **extra: object) -> dict:
    return {"next": _next(request), "family": request.user.is_family, **extra}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: AuthedRequest) -> HttpResponseBase:
    user = request.user
    if two_factor.has_app(user) and not two_factor.is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", request))
    device = two_factor.pending_app(user)
    form = SecondStepCodeForm(
        request.POST or None,
        label="Enter the 6-digit code the app shows",
        help_text="The code changes every 30 seconds. Enter the one showing now.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.app_confirm(request=request, actor=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            request.session[SHOW_CODES_SESSION_KEY] = codes
            return redirect(_with_next("accounts:backup_codes", request))
    context = _context(
        request,
        form=form,
        qr_code=two_factor.qr_code_data_uri(device),
        secret=two_factor.secret_for_display(device),
        required=two_factor.required_by_policy(user),
    )
    return render(request, "accounts/two_factor_setup.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthedRequest) -> HttpResponseBase:
    user = request.user
    if two_factor.is_verified(request):
        return redirect(_next(request))
    if not two_factor.has_app(user):
        return redirect(_with_next("accounts:two_factor_setup", request))
    form = SecondStepCodeForm(
        request.POST or None,
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            used_backup = two_factor.second_step_verify(
                request=request, actor=user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if used_backup:
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code. You have {left} left. You can make new ones on the "
                    "two-step verification page.",
                )
            return redirect(_next(request))
    context = _context(request, form=form)
    return render(request, "accounts/two_factor_verify.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
def backup_codes(request: AuthedRequest) -> HttpResponse:
    """Shows the new backup codes once; a second visit finds them gone."""
    codes = request.session.pop(SHOW_CODES_SESSION_KEY, None)
    return render(request, "accounts/backup_codes.html", _context(request, codes=codes))


@never_cache
@login_required
@require_http_methods(["GET"])
def manage(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = _context(
        request,
        on=two_factor.has_app(user),
        codes_left=two_factor.backup_codes_left(user),
        can_turn_off=not two_factor.required_by_policy(user),
        base_template="portal/base.html" if user.is_family else "staff/base.html",
    )
    return render(request, "accounts/two_factor_manage.html", context)


@login_required
@require_POST
def new_backup_codes(request: AuthedRequest) -> HttpResponse:
    request.session[SHOW_CODES_SESSION_KEY] = two_factor.backup_codes_replace(
        request=request, actor=request.user
    )
    return redirect(_with_next("accounts:backup_codes", request, reverse("accounts:two_factor")))


@login_required
@require_POST
def turn_off(request: AuthedRequest) -> HttpResponse:
    try:
        two_factor.two_factor_turn_off(request=request, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Two-step verification is off. You log in with your password only.")
    return redirect("accounts:two_factor")
