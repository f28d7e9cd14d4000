"""Message forms. They check shape only: the services check length, attachment type and size, and access."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from .models import MESSAGE_MAX_LENGTH, Thread
from .services import ATTACHMENT_MAX_BYTES

ATTACHMENT_ACCEPT = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
ATTACHMENT_HINT = (
    f"Up to 3 photos or PDF files (PNG, JPEG or PDF), each up to {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; an empty list when none are chosen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class _MessageFields(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write your message."},
    )
    attachments = MultipleFileField(
        label="Attach files (optional)", required=False, help_text=ATTACHMENT_HINT
    )

    def field_for_service_error(self, name: str) -> str:
        return "attachments" if name == "file" else name


class ReplyForm(_MessageFields):
    def __init__(self, *args: Any, label: str = "Your reply", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = label


class StaffThreadForm(_MessageFields):
    kind = forms.ChoiceField(
        label="Who is this conversation with?",
        widget=forms.RadioSelect,
        choices=[
            (Thread.Kind.FAMILY, "The family (they can read and reply)"),
            (Thread.Kind.STAFF_ONLY, "Staff only, for example an MDT discussion (never shown to the family)"),
        ],
        initial=Thread.Kind.FAMILY,
    )
    subject = forms.CharField(label="Subject", max_length=150)

    field_order = ["kind", "subject", "body", "attachments"]


class FamilyThreadForm(_MessageFields):
    subject = forms.CharField(
        label="What is it about?",
        max_length=150,
        help_text="A few words, for example “Question about medicine”.",
        error_messages={"required": "Say what your message is about."},
    )

    field_order = ["subject", "body", "attachments"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "Your message"


class InboxFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All conversations"),
            (Thread.Kind.FAMILY, "With families"),
            (Thread.Kind.STAFF_ONLY, "Staff only"),
        ],
    )


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=Thread.Status.choices)
