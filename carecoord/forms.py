from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from .limits import HINT_FROM, limit_hint, plain_label


class DateInput(forms.DateInput):
    """A native date picker. It needs ISO dates whatever the locale's display format is."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


_TEXT_WIDGETS = (forms.TextInput, forms.Textarea)
_NOT_TYPED = (forms.PasswordInput, forms.HiddenInput)


class LimitedBoundField(BoundField):
    """Every form's fields (set on the project's form renderer): a text field with a length limit
    shows it ("Up to 5,000 characters.") and refuses longer text naming the field and the limit,
    with no ``maxlength`` attribute, so the browser never cuts typed or pasted text short."""

    def __init__(self, form: forms.BaseForm, field: forms.Field, name: str) -> None:
        super().__init__(form, field, name)
        limit = getattr(field, "max_length", None)
        if not limit or not isinstance(field.widget, _TEXT_WIDGETS) or isinstance(field.widget, _NOT_TYPED):
            return
        # The field is this form's own copy, so its messages and widget may be changed here.
        field.error_messages["max_length"] = (
            f"{plain_label(field.label or name.replace('_', ' ').capitalize())} must be {int(limit):,} "
            "characters or fewer. It has %(show_value)s."
        )
        field.widget.attrs.pop("maxlength", None)
        if int(limit) >= HINT_FROM:
            self.help_text = (
                f"{self.help_text} {limit_hint(int(limit))}" if self.help_text else limit_hint(int(limit))
            )


class FormRenderer(DjangoTemplates):
    """The project's FORM_RENDERER: Django's, with ``LimitedBoundField`` for every form."""

    bound_field_class = LimitedBoundField
