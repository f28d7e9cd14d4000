"""Today's diary entry as a phone form: every question a group of big radio buttons, no selects."""

from typing import Any

from django import forms

from .models import Illness, Level, Mood, NightWaking
from .services import NOTE_MAX

UNSURE = "unsure"
SLEEP_CHOICES = [
    ("7", "7 or less"),
    *[(str(h), str(h)) for h in range(8, 13)],
    ("13", "13 or more"),
    (UNSURE, "Not sure"),
]
LEVEL_CHOICES = [(str(Level.NONE), "None"), (str(Level.MILD), "Mild"), (str(Level.MARKED), "Marked")]
RAGE_CHOICES = [("0", "None"), ("1", "1"), ("2", "2"), ("3", "3 or more")]
YES_NO = [("no", "No"), ("yes", "Yes")]


def _sleep(value: str) -> int | None:
    return None if value == UNSURE else int(value)


def _radio(label: str, choices: list, coerce: Any = str, help_text: str = "", message: str = "") -> Any:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=choices,
        coerce=coerce,
        widget=forms.RadioSelect,
        error_messages={"required": message or "Choose one answer."},
    )


class DiaryForm(forms.Form):
    unsteadiness = _radio(
        "Unsteadiness", LEVEL_CHOICES, int, "Wobbling or falling when walking, standing or sitting."
    )
    jerks = _radio("Jerks", LEVEL_CHOICES, int, "Sudden jerky movements, shaking or trembling.")
    eye_movements = _radio("Eye movements", LEVEL_CHOICES, int, "Quick, darting or “dancing” eyes.")
    sleep_hours = _radio("Hours of sleep last night", SLEEP_CHOICES, _sleep)
    night_waking = _radio("Waking in the night", NightWaking.choices)
    mood = _radio("Mood today", Mood.choices)
    rage_episodes = _radio("Rages today", RAGE_CHOICES, int)
    illness = _radio("Unwell or a fever today?", Illness.choices)
    immunisation = _radio("An immunisation (jab) today?", YES_NO, lambda v: v == "yes")
    note = forms.CharField(
        label="Anything else (optional)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, child_name: str = "your child", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unsteadiness"].label = f"Is {child_name} unsteady?"
        self.fields["jerks"].label = f"Does {child_name} have jerks?"
        self.fields["eye_movements"].label = f"Has {child_name} had unusual eye movements?"
        self.fields["sleep_hours"].label = f"How many hours did {child_name} sleep last night?"
        self.fields["night_waking"].label = f"Did {child_name} wake in the night?"
        self.fields["mood"].label = f"How was {child_name}'s mood today?"
        self.fields["rage_episodes"].label = "How many rages today?"
        self.fields["illness"].label = f"Is {child_name} unwell or feverish today?"
        self.fields["immunisation"].label = f"Did {child_name} have an immunisation (jab) today?"


def initial_from(entry: Any) -> dict[str, str]:
    """Today's saved entry as the form's starting answers (the radio values are strings)."""
    if entry is None:
        return {}
    return {
        "unsteadiness": str(entry.unsteadiness),
        "jerks": str(entry.jerks),
        "eye_movements": str(entry.eye_movements),
        "sleep_hours": UNSURE if entry.sleep_hours is None else str(entry.sleep_hours),
        "night_waking": entry.night_waking,
        "mood": entry.mood,
        "rage_episodes": str(entry.rage_episodes),
        "illness": entry.illness,
        "immunisation": "yes" if entry.immunisation else "no",
        "note": entry.note,
    }
