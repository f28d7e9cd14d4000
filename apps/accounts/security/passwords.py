"""Password rules that depend on who the password is for."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError


def _is_staff_account(user: Any) -> bool:
    # Admin-site and superuser accounts count as staff whatever their kind.
    return user is not None and (
        getattr(user, "kind", None) == "staff"
        or getattr(user, "is_staff", False)
        or getattr(user, "is_superuser", False)
    )


class MinimumLengthForKindValidator:
    """At least ``staff_min_length`` characters for staff and admin accounts, ``family_min_length``
    for families (and when the account is not known)."""

    def __init__(self, staff_min_length: int = 12, family_min_length: int = 10) -> None:
        self.staff_min_length = staff_min_length
        self.family_min_length = family_min_length

    def min_length_for(self, user: Any) -> int:
        return self.staff_min_length if _is_staff_account(user) else self.family_min_length

    def validate(self, password: str, user: Any = None) -> None:
        minimum = self.min_length_for(user)
        if len(password) < minimum:
            raise ValidationError(
                "This password is too short. It must contain at least %(min_length)d characters.",
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        return (
            f"Your password must contain at least {self.family_min_length} characters "
            f"({self.staff_min_length} for staff)."
        )


def password_login_disabled_for(user: Any) -> bool:
    """With single sign-on on and ``OIDC_DISABLE_PASSWORD_LOGIN``, staff and admin accounts log in
    only through the identity provider; families keep their password."""
    if not (settings.OIDC_ENABLED and settings.OIDC_DISABLE_PASSWORD_LOGIN):
        return False
    return _is_staff_account(user)


class PasswordBackend(ModelBackend):
    """Django's email-and-password backend, refusing staff while their password log in is off.

    Every password surface goes through it (staff and admin pages, anything calling authenticate()),
    and so does every password session on each request: turning password log in off ends them.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and not password_login_disabled_for(user)
