import pytest
from django.core.exceptions import ValidationError

from apps.patients.nhs_number import format_nhs_number, normalise_nhs_number


@pytest.mark.parametrize(
    "value", ["9434765919", "4857773457", "943 476 5919", "943-476-5919", " 485 777 3457 "]
)
def test_it_accepts_valid_numbers_and_stores_ten_digits(value):
    assert normalise_nhs_number(value) == value.replace(" ", "").replace("-", "")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("4857773456", "nhs_checksum"),
        ("943476591", "nhs_length"),
        ("94347659190", "nhs_length"),
        ("", "nhs_required"),
        ("  - ", "nhs_required"),
        ("94347A5919", "nhs_format"),
        ("abcdefghij", "nhs_format"),
    ],
)
def test_it_rejects_invalid_numbers_with_a_reason(value, code):
    with pytest.raises(ValidationError) as exc:
        normalise_nhs_number(value)
    assert exc.value.code == code


def test_it_rejects_a_number_whose_check_digit_would_be_ten():
    # 1000000010: weights give sum 1*10 + 1*2 = 12 -> 11 - 1 = 10 -> no valid check digit exists.
    with pytest.raises(ValidationError):
        normalise_nhs_number("1000000010")


def test_it_formats_as_three_three_four():
    assert format_nhs_number("9434765919") == "943 476 5919"
    assert format_nhs_number(None) == ""
