from django import forms

from .models import Video


class VideoForm(forms.Form):
    """The family's form: the video from the camera or the gallery, and the short prompt."""

    camera = forms.FileField(
        label="Record a video now",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/*", "capture": "environment"}),
    )
    gallery = forms.FileField(
        label="Or choose a video you have already taken",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )
    note = forms.CharField(
        label="What did you see?",
        help_text="For example: her eyes were darting, or he was wobbly when walking.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    seen_at = forms.DateTimeField(
        label="When did it start?",
        help_text="Roughly is fine.",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    share_with_family = forms.BooleanField(
        label="Let the child's other family accounts watch this video too",
        required=False,
    )

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if not data.get("camera") and not data.get("gallery"):
            self.add_error("camera", "Record a video, or choose one from your gallery.")
        return data

    @property
    def file(self):  # type: ignore[no-untyped-def]
        return self.cleaned_data.get("camera") or self.cleaned_data.get("gallery")


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="Review", choices=Video.Outcome.choices, widget=forms.RadioSelect)


class RecordNoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the record",
        help_text="What the video shows, in a sentence.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadStartForm(forms.Form):
    """What the page's script sends to open a resumable upload (the same prompt as VideoForm)."""

    size = forms.IntegerField(min_value=0, error_messages={"required": "Choose a video to send."})
    note = VideoForm.base_fields["note"]
    seen_at = VideoForm.base_fields["seen_at"]
    share_with_family = VideoForm.base_fields["share_with_family"]
    sha256 = forms.CharField(required=False, max_length=64)
