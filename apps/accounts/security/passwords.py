"""Password rules that depend on who the password is for."""

from typing import Any

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
