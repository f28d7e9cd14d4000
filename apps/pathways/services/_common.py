import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def not_in_future(value: datetime.date | None, field: str, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: f"The {label} cannot be in the future."})


# How the pathway words an illegal move: the row by name, both states, and what is allowed instead.
# "This MIBG scan cannot move from cancelled to booked. Allowed from cancelled: none."
MOVE_REFUSED = "{subject} cannot move from {current} to {target}. Allowed from {current}: {allowed}."
