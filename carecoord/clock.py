"""Clinic times typed as Europe/London wall-clock time, read once for every form and API field.

Twice a year the wall clock is not a timeline. On the last Sunday of March the clocks go forward at
1am, so 1:00-1:59am does not exist that night; on the last Sunday of October they go back at 2am, so
1:00-1:59am happens twice (first in BST, then in GMT). ``london_instant`` turns a typed time into one
instant or refuses it in plain words: a time that does not exist is refused, and a repeated one needs
the person to say which (a form offers the choice; the API takes an explicit offset).

``LondonDateTimeField`` (forms) and ``LondonDateTimeApiField`` (DRF) are the only ways a date and
time is read from a person; every booking, series, move and meeting form uses them.
"""

import datetime
import zoneinfo
from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from rest_framework import serializers

LONDON = zoneinfo.ZoneInfo("Europe/London")
MINUTE = datetime.timedelta(minutes=1)
FIRST, SECOND = "first", "second"  # which of a repeated time: before the clocks go back, or after


def _offset(naive: datetime.datetime, fold: int) -> datetime.timedelta | None:
    return naive.replace(tzinfo=LONDON, fold=fold).utcoffset()


def _changes(naive: datetime.datetime) -> bool:
    """The wall-clock time is missing or repeated (its two readings have different offsets)."""
    return _offset(naive, 0) != _offset(naive, 1)


def is_missing(naive: datetime.datetime) -> bool:
    """The clocks jump over this time: it comes back as another time from UTC."""
    there_and_back = naive.replace(tzinfo=LONDON).astimezone(datetime.UTC).astimezone(LONDON)
    return there_and_back.replace(tzinfo=None) != naive


def is_repeated(naive: datetime.datetime) -> bool:
    return _changes(naive) and not is_missing(naive)


def clock_time(value: datetime.datetime) -> str:
    """``1:30am``, ``2am``: the family-style time, without ":00" on the hour."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def missing_message(naive: datetime.datetime) -> str:
    start = naive
    while is_missing(start - MINUTE):  # back to the first missing minute (at most an hour)
        start -= MINUTE
    jump = (_offset(naive, 1) or datetime.timedelta()) - (_offset(naive, 0) or datetime.timedelta())
    return (
        f"The clocks go forward at {clock_time(start)} that night, so {clock_time(naive)} does not "
        f"exist. Choose a time from {clock_time(start + jump)}."
    )


def _repeated_intro(naive: datetime.datetime) -> str:
    end = naive
    while _changes(end):  # on to the first minute that happens once (at most an hour)
        end += MINUTE
    return f"The clocks go back at {clock_time(end)} that night, so {clock_time(naive)} happens twice."


def zone_names(naive: datetime.datetime) -> tuple[str, str]:
    """The zone of the first and the second reading: ("BST", "GMT") in London."""
    return naive.replace(tzinfo=LONDON, fold=0).tzname() or "", naive.replace(
        tzinfo=LONDON, fold=1
    ).tzname() or ""


def repeated_message(naive: datetime.datetime) -> str:
    first, second = zone_names(naive)
    return (
        f"{_repeated_intro(naive)} Choose the first {clock_time(naive)} ({first}) or the second ({second})."
    )


def repeated_api_message(naive: datetime.datetime) -> str:
    first, second = (naive.replace(tzinfo=LONDON, fold=fold) for fold in (0, 1))
    return (
        f"{_repeated_intro(naive)} Send it with its offset: {first.isoformat()} for the first "
        f"({first.tzname()}) or {second.isoformat()} for the second ({second.tzname()})."
    )


def london_instant(value: datetime.datetime, *, which: str = "", api: bool = False) -> datetime.datetime:
    """The one instant a typed time means. ``which`` (FIRST or SECOND) picks a repeated time.

    An aware value (an explicit offset) is already an instant; it is only re-expressed.
    """
    if value.tzinfo is not None:
        return _unambiguous(value)
    if is_missing(value):
        raise ValidationError(missing_message(value), code="clocks_forward")
    if is_repeated(value):
        if which not in (FIRST, SECOND):
            message = repeated_api_message(value) if api else repeated_message(value)
            raise ValidationError(message, code="clocks_back")
        return _unambiguous(value.replace(tzinfo=LONDON, fold=0 if which == FIRST else 1))
    return value.replace(tzinfo=LONDON)


def _unambiguous(aware: datetime.datetime) -> datetime.datetime:
    """London time, except in the repeated hour: there it is UTC (the same date). Python adds to and
    compares two London times by their wall clock, ignoring which reading, so 1:30am BST + 45 minutes
    would come out as 2:15am GMT, an hour late; UTC has one reading."""
    local = aware.astimezone(LONDON)
    return aware.astimezone(datetime.UTC) if is_repeated(local.replace(tzinfo=None)) else local


# --- The form field -----------------------------------------------------------------------------


class Typed(NamedTuple):
    """What was posted: the time as typed, and which reading of a repeated time was chosen."""

    text: str
    which: str


def _parse(text: str, formats: list[str]) -> datetime.datetime | None:
    try:
        parsed = parse_datetime(text.strip())
    except ValueError:
        return None
    if parsed is not None:
        return parsed
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text.strip(), fmt)  # noqa: DTZ007 (wall clock; london_instant)
        except (ValueError, TypeError):
            continue
    return None


class LondonDateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker ("2026-03-01T09:30"). When the time is one the clocks repeat,
    two radio buttons below it ask which one is meant (posted as ``<name>_which``)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Typed | None:
        text = data.get(name)
        return None if text is None else Typed(text, data.get(f"{name}_which", ""))

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Typed):
            return value.text
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value = value.astimezone(LONDON)
        return super().format_value(value)

    def _repeated(self, value: Any) -> tuple[datetime.datetime, str] | None:
        """The typed wall-clock time and the reading chosen, when the time is a repeated one."""
        if isinstance(value, Typed):
            naive, which = _parse(value.text, []), value.which
        elif isinstance(value, datetime.datetime):
            local = value.astimezone(LONDON) if value.tzinfo else value
            naive, which = local.replace(tzinfo=None), SECOND if local.fold else FIRST
        else:
            return None
        if naive is None or naive.tzinfo is not None or not is_repeated(naive):
            return None
        return naive, which

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        repeated = self._repeated(value)
        if repeated is None:
            return html
        naive, which = repeated
        first, second = zone_names(naive)
        at = clock_time(naive)
        base = (attrs or {}).get("id") or f"id_{name}"
        choices = [(FIRST, f"The first {at} ({first}, before the clocks go back)")]
        choices.append((SECOND, f"The second {at} ({second}, after the clocks go back)"))
        radios = format_html_join(
            "",
            '<div class="choice"><input type="radio" name="{}" value="{}" id="{}_which_{}"{}>'
            '<label for="{}_which_{}">{}</label></div>',
            (
                (f"{name}_which", key, base, key, " checked" if which == key else "", base, key, label)
                for key, label in choices
            ),
        )
        return format_html(
            '{}<fieldset class="choice-group"><legend>Which {}?</legend><div class="choices">{}</div></fieldset>',
            html,
            at,
            radios,
        )


class LondonDateTimeField(forms.DateTimeField):
    """A clinic time: read as Europe/London wall-clock time and returned timezone-aware, with the
    clock changes explained (``london_instant``) instead of Django's "couldn't be interpreted"."""

    widget = LondonDateTimeInput

    def to_python(self, value: Any) -> datetime.datetime | None:
        text, which = value if isinstance(value, Typed) else (value, "")
        if text in self.empty_values:
            return None
        if isinstance(text, datetime.datetime):
            return london_instant(text, which=which)
        formats: Any = self.input_formats or ()
        parsed = _parse(str(text), [str(f) for f in formats])
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return london_instant(parsed, which=which)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone(LONDON)  # kept aware: the widget needs the fold of a repeated time
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return super().has_changed(initial, data)
        except ValidationError:
            return True


# --- The API field ------------------------------------------------------------------------------


class LondonDateTimeApiField(serializers.DateTimeField):
    """An ISO 8601 time; without an offset it is London wall-clock time, refused in plain words when
    the clocks skip it or repeat it (send the offset to say which)."""

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        try:
            return london_instant(value, api=True)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
