"""Bank holidays for England and Wales, 2026-2027 (gov.uk). Administrators add later years in the admin."""

import datetime

from .models import BankHoliday

ENGLAND_AND_WALES = [
    ("2026-01-01", "New Year's Day"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-06", "Easter Monday"),
    ("2026-05-04", "Early May bank holiday"),
    ("2026-05-25", "Spring bank holiday"),
    ("2026-08-31", "Summer bank holiday"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute)"),
    ("2027-01-01", "New Year's Day"),
    ("2027-03-26", "Good Friday"),
    ("2027-03-29", "Easter Monday"),
    ("2027-05-03", "Early May bank holiday"),
    ("2027-05-31", "Spring bank holiday"),
    ("2027-08-30", "Summer bank holiday"),
    ("2027-12-27", "Christmas Day (substitute)"),
    ("2027-12-28", "Boxing Day (substitute)"),
]


def seed() -> None:
    for day, name in ENGLAND_AND_WALES:
        BankHoliday.objects.get_or_create(day=datetime.date.fromisoformat(day), defaults={"name": name})
