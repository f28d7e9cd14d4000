from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template.loader import render_to_string

from .mail import send_email
from .models import User


class _KindLoginForm(AuthenticationForm):
    """Email login that admits only one kind of account, so each lands on its own home."""

    kind: str = ""
    wrong_kind_message = ""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})

    def clean_username(self) -> str:
        # Emails are stored lower-case; people type them any way.
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if user.kind != self.kind:
            raise forms.ValidationError(self.wrong_kind_message, code="wrong_login_page")


class StaffLoginForm(_KindLoginForm):
    kind = User.Kind.STAFF
    wrong_kind_message = "This is the staff login. Families please use the family login page."


class FamilyLoginForm(_KindLoginForm):
    kind = User.Kind.FAMILY
    wrong_kind_message = "This is the family login. Staff please use the staff login page."


class OutboxPasswordResetForm(PasswordResetForm):
    """Password reset emails go through the outbox like every other email.

    Unlike Django's form it also serves accounts with no usable password yet: a guardian linked by
    staff sets their first password this way. The answer is the same whether or not the email exists.
    """

    def get_users(self, email: str):  # type: ignore[no-untyped-def]
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_email(to_address=to_email, subject=subject, body=body)
