from django import forms

from carecoord.forms import DateInput
from carecoord.uploads import UPLOAD_MAX_BYTES


class DocumentForm(forms.Form):
    """Field shapes only: the type (by content) and size checks live in the service."""

    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="What the family will see, for example 'Clinic letter, March' or 'Advice for school'.",
        error_messages={"required": "Give the document a title the family will understand."},
    )
    dated = forms.DateField(
        label="Date on the letter",
        widget=DateInput,
        error_messages={"required": "Enter the date on the letter.", "invalid": "Enter a real date."},
    )
    file = forms.FileField(
        label="File",
        help_text=f"A PDF, PNG or JPEG, up to {UPLOAD_MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        error_messages={"required": "Choose a file to upload.", "empty": "The file is empty."},
    )
