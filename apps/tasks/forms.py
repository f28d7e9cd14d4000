from typing import Any

from django import forms
from django.db.models import QuerySet

from apps.accounts.models import Team, User
from carecoord.forms import DateInput

from .models import Task


def _staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True, kind=User.Kind.STAFF, staff_profile__isnull=False).order_by(
        "full_name"
    )


class TaskFilterForm(forms.Form):
    source = forms.ChoiceField(label="Source", choices=[("", "Any"), *Task.Source.choices], required=False)
    priority = forms.TypedChoiceField(
        label="Priority",
        choices=[("", "Any"), *Task.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    due_from = forms.DateField(label="Due from", widget=DateInput, required=False)
    due_to = forms.DateField(label="Due to", widget=DateInput, required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label="What needs doing", max_length=200)
    detail = forms.CharField(
        label="Detail (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assignee = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), required=False, empty_label="No one yet"
    )
    team = forms.ModelChoiceField(
        label="Or a team queue", queryset=Team.objects.all(), required=False, empty_label="No team"
    )
    due_on = forms.DateField(label="Due (optional)", widget=DateInput, required=False)
    priority = forms.TypedChoiceField(
        label="Priority", choices=Task.Priority.choices, coerce=int, initial=Task.Priority.NORMAL
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.all()  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="Give to", queryset=User.objects.none(), required=False, empty_label="Back to the team queue"
    )
    team = forms.ModelChoiceField(
        label="Team queue", queryset=Team.objects.all(), required=False, empty_label="Keep the team"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _staff()  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.all()  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(label="Add a comment", widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=300)
