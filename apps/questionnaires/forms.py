"""The family's answer form (built from the version's questions) and the staff assignment form.

Fields only collect: every rule (ranges, required answers, scores) is the service's, so the API and
the page refuse the same things in the same words.
"""

from typing import Any

from django import forms

from .models import Assignment, QuestionnaireItem
from .selectors import assignable_questionnaires

Type = QuestionnaireItem.Type
YES_NO = [("yes", "Yes"), ("no", "No")]


def _field(item: QuestionnaireItem) -> forms.Field:
    common: dict[str, Any] = {"label": item.text, "help_text": item.help_text, "required": False}
    if item.type == Type.CHOICE:
        choices = [(o.code, o.display) for o in item.options.all()]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if item.type == Type.BOOLEAN:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if item.type == Type.INTEGER:
        attrs = {"inputmode": "numeric", "autocomplete": "off"}
        if item.min_value is not None and item.max_value is not None:
            common["help_text"] = (
                f"{item.help_text} Enter a number from {item.min_value} to {item.max_value}.".strip()
            )
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)


class AnswerForm(forms.Form):
    """One field per question, named by its linkId; a choice is a set of large radio buttons."""

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(assignment.version.items.all())
        for item in self.items:
            field = _field(item)
            if not item.required:
                field.label = f"{field.label} (optional)"
            self.fields[item.link_id] = field

    def answers(self) -> dict[str, object]:
        return {item.link_id: self.cleaned_data.get(item.link_id, "") for item in self.items}


class AssignForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        queryset=assignable_questionnaires(), empty_label=None, label="Questionnaire"
    )
    due_on = forms.DateField(
        label="Answer by",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The family is reminded now.",
    )
