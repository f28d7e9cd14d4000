from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.signals import user_login_failed
from django.template.loader import render_to_string

from .mail import LINK_PLACEHOLDER, PASSWORD_RESET_LINK, send_email
from .models import User


class _KindLoginForm(AuthenticationForm):
    """Email login that admits only one kind of account, so each lands on its own home.

    The other kind of account gets exactly the answer a wrong password gets, whatever the password,
    and the attempt counts towards the lockout like a wrong password: the page never confirms that
    a password was right.
    """

    kind: str = ""
    invalid_login_message = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.error_messages = {**self.error_messages, "invalid_login": self.invalid_login_message}

    def clean_username(self) -> str:
        # Emails are stored lower-case; people type them any way.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.kind != self.kind:
            credentials = {"username": self.cleaned_data.get("username"), "password": "********"}
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            raise self.get_invalid_login_error()


class StaffLoginForm(_KindLoginForm):
    kind = User.Kind.STAFF
    invalid_login_message = (
        "Enter a correct email address and password. "
        "This is the staff login. Families please use the family login page."
    )


class FamilyLoginForm(_KindLoginForm):
    kind = User.Kind.FAMILY
    invalid_login_message = (
        "Enter a correct email address and password. "
        "This is the family login. Staff please use the staff login page."
    )


def _reset_link_lifetime() -> str:
    """PASSWORD_RESET_TIMEOUT in words for the email: "1 hour", "2 hours", "90 minutes"."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset emails go through the outbox like every other email.

    Unlike Django's form it also serves accounts with no usable password yet: a guardian linked by
    staff sets their first password this way. The answer is the same whether or not the email exists.
    """

    def get_users(self, email: str) -> Any:
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # The reset token is made when the email is sent, so the outbox row never holds a usable link.
        context = {**context, "reset_path": LINK_PLACEHOLDER, "valid_for": _reset_link_lifetime()}
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_email(
            to_address=to_email, subject=subject, body=body, link=(PASSWORD_RESET_LINK, context["user"].pk)
        )


class SecondStepCodeForm(forms.Form):
    """A 6-digit code from the authenticator app (or, on the code page, a backup code)."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
                "class": "input--code",
            }
        ),
    )

    def __init__(self, *args: Any, label: str = "", help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label
        self.fields["code"].help_text = help_text
