"""Writes for the symptom diary: a guardian fills in (or changes) today's entry for their child.

One entry per child per day (a unique key), and only today's (the London date): yesterday's entry is
what the family saw then, so it is never changed afterwards. The entry and whatever the apps above
make of it (``signals.diary_entry_saved``: a watch, an urgent task) commit together.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients import access
from apps.patients.models import Patient
from carecoord.clock import LONDON
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history
from carecoord.limits import within

from .models import SYMPTOMS, DiaryEntry, Illness, Level, Mood, NightWaking
from .signals import diary_entry_saved

FAMILY_ONLY = "Only the child's family can fill in the diary."
NOTE_MAX = 500
SLEEP_MIN, SLEEP_MAX = 7, 13  # the choices' ends: "7 or less", "13 or more"
RAGES_MAX = 3  # "3 or more"
FIELDS = (
    "sleep_hours",
    "night_waking",
    "mood",
    "rage_episodes",
    *SYMPTOMS,
    "illness",
    "immunisation",
    "note",
)


def diary_today() -> datetime.date:
    """The London date: the only day a family can fill in or change."""
    return timezone.localdate(timezone=LONDON)


def can_fill_in(user: User, patient: Patient) -> bool:
    return roles.is_family(user) and access.can_see(user, patient.pk)


def _choice(value: Any, choices: Any, field: str, message: str, errors: dict[str, str]) -> Any:
    if value not in choices.values:
        errors[field] = message
    return value


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for name in SYMPTOMS:
        _choice(fields.get(name), Level, name, "Choose none, mild or marked.", errors)
    _choice(fields.get("night_waking"), NightWaking, "night_waking", "Choose how often they woke.", errors)
    _choice(fields.get("mood"), Mood, "mood", "Choose how their mood was.", errors)
    _choice(fields.get("illness"), Illness, "illness", "Choose no, unwell or fever.", errors)
    rages = fields.get("rage_episodes")
    if not isinstance(rages, int) or isinstance(rages, bool) or not 0 <= rages <= RAGES_MAX:
        errors["rage_episodes"] = "Choose how many rages (0, 1, 2, or 3 or more)."
    sleep = fields.get("sleep_hours")
    if sleep is not None and (
        not isinstance(sleep, int) or isinstance(sleep, bool) or not SLEEP_MIN <= sleep <= SLEEP_MAX
    ):
        errors["sleep_hours"] = f"Choose the hours of sleep ({SLEEP_MIN} or less up to {SLEEP_MAX} or more)."
    if not isinstance(fields.get("immunisation"), bool):
        errors["immunisation"] = "Choose yes or no."
    try:
        fields["note"] = within(fields.get("note"), field="note", limit=NOTE_MAX, label="Anything else")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return fields


def diary_entry_save(
    *,
    actor: User,
    patient: Patient,
    sleep_hours: int | None,
    night_waking: str,
    mood: str,
    rage_episodes: int,
    unsteadiness: int,
    jerks: int,
    eye_movements: int,
    illness: str,
    immunisation: bool,
    note: str = "",
    day: datetime.date | None = None,
) -> DiaryEntry:
    """Today's entry for this child, made or changed. ``day`` (the API's) must be today if given."""
    refuse_unless(can_fill_in(actor, patient), FAMILY_ONLY)
    today = diary_today()
    if day is not None and day != today:
        raise ValidationError(
            {"day": "You can only fill in or change today's diary. Earlier days cannot be changed."}
        )
    fields = _clean(
        {
            "sleep_hours": sleep_hours,
            "night_waking": night_waking,
            "mood": mood,
            "rage_episodes": rage_episodes,
            "unsteadiness": unsteadiness,
            "jerks": jerks,
            "eye_movements": eye_movements,
            "illness": illness,
            "immunisation": immunisation,
            "note": note,
        }
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one writer per child at a time
        entry = DiaryEntry.objects.filter(patient=patient, day=today).first()
        before = model_to_dict(entry, fields=FIELDS) if entry is not None else None
        if entry is None:
            entry = DiaryEntry(patient=patient, day=today, recorded_by=actor, recorded_at=now)
        elif before == fields:
            return entry  # the same answers sent again (a double tap): nothing changes
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.recorded_by, entry.updated_at = actor, now
        save_with_history(entry, actor=actor)
        diary_entry_saved.send(sender=DiaryEntry, entry=entry, actor=actor, before=before)
    return entry
