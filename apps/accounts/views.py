from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import urlencode

from .forms import FamilyLoginForm, OutboxPasswordResetForm, StaffLoginForm
from .security import sso
from .security.throttles import rate_limited


def home_url_for(user: Any) -> str:
    if user.is_authenticated and user.kind == user.Kind.FAMILY:
        return reverse("portal:home")
    return reverse("caseload:home")


def root(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(home_url_for(request.user))
    return redirect("accounts:staff_login")


class _LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    audience = "staff"

    def get_default_redirect_url(self) -> str:
        return home_url_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # How long a session lasts, said plainly on the page (sessions.py enforces it).
        return super().get_context_data(
            idle_minutes=settings.SESSION_IDLE_MINUTES[self.audience],
            absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
            **kwargs,
        )


PROVIDER_ONLY_MESSAGE = "Staff log in with {name} here: password log in is turned off for staff accounts."


class StaffLoginView(_LoginView):
    """Password log in for staff, and the single sign-on button when that is on (security/sso.py)."""

    form_class = StaffLoginForm
    template_name = "accounts/staff_login.html"

    def passwords_allowed(self) -> bool:
        return not (settings.OIDC_ENABLED and settings.OIDC_DISABLE_PASSWORD_LOGIN)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.passwords_allowed():  # no password is checked, so nothing counts to a lockout
            context = self.get_context_data(
                password_off_message=PROVIDER_ONLY_MESSAGE.format(name=settings.OIDC_PROVIDER_NAME)
            )
            return self.render_to_response(context, status=400)
        response: HttpResponse = super().post(request, *args, **kwargs)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["passwords_allowed"] = self.passwords_allowed()
        if settings.OIDC_ENABLED:
            start = reverse("accounts:sso_start")
            next_url = context.get("next") or ""
            context["sso"] = {
                "name": settings.OIDC_PROVIDER_NAME,
                "url": f"{start}?{urlencode({'next': next_url})}" if next_url else start,
            }
        return context


class FamilyLoginView(_LoginView):
    form_class = FamilyLoginForm
    template_name = "accounts/family_login.html"
    audience = "family"


class LogoutView(auth_views.LogoutView):
    template_name = "accounts/logged_out.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = sso.provider_logout_url(request, after=reverse("accounts:staff_login"))
        response = super().post(request, *args, **kwargs)
        return redirect(at_provider) if at_provider else response


@method_decorator(rate_limited("password_reset"), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        # Proving the email address by its link also lifts a lockout on that account.
        if self.user is not None:  # the view only accepts the form for a valid link's user
            AxesProxyHandler.reset_attempts(username=self.user.email)
        return super().form_valid(form)
