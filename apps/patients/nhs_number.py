"""NHS number: 10 digits, the last a Modulus 11 check digit (NHS Data Dictionary)."""

import re

from django.core.exceptions import ValidationError

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = re.compile(r"[\s-]+")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """Return the 10 digits of a valid NHS number typed with or without spaces or dashes."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits:
        raise ValidationError("Enter the NHS number.", code="nhs_required")
    if not digits.isdigit():
        raise ValidationError(
            "An NHS number has only digits (spaces and dashes are fine).", code="nhs_format"
        )
    if len(digits) != 10:
        raise ValidationError(f"An NHS number has 10 digits; this has {len(digits)}.", code="nhs_length")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "This is not a valid NHS number: the check digit does not match. Please check it.",
            code="nhs_checksum",
        )
    return digits


def format_nhs_number(digits: str | None) -> str:
    """Show 10 digits as 3-3-4, for example ``943 476 5919``."""
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
