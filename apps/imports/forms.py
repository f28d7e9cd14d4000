from typing import Any

from django import forms

from apps.accounts.models import Team
from apps.accounts.types import AnyUser

from .columns import IMPORT_MAX_BYTES
from .selectors import import_teams


class TeamChoiceMixin(forms.Form):
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), empty_label=None, to_field_name="code"
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = import_teams(user)  # type: ignore[attr-defined]


class UploadForm(TeamChoiceMixin):
    file = forms.FileField(
        label="CSV file",
        help_text=f"Saved as “CSV UTF-8”, at most {IMPORT_MAX_BYTES // (1024 * 1024)} MB. "
        "Nothing is saved until you check the dry run and choose Apply.",
    )


class ExportForm(TeamChoiceMixin):
    pass


class ApplyForm(forms.Form):
    content_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
