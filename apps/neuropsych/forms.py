"""Field shapes only; the rules (dates, at least one domain, EHCP dates) live in the services."""

from typing import Any

from django import forms

from apps.accounts.models import User
from carecoord.forms import DateInput

from .models import Band, Domain, SchoolSupport

BAND_CHOICES = [("", "Not tested"), *[(str(v), label) for v, label in Band.choices]]


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(
        label="Date of the assessment",
        widget=DateInput,
        error_messages={"required": "Enter the date of the assessment.", "invalid": "Enter a real date."},
    )
    assessed_by = forms.ModelChoiceField(
        label="Who did the assessment",
        queryset=User.objects.none(),
        error_messages={"required": "Choose the member of staff who did the assessment."},
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessed_by"].queryset = people  # type: ignore[attr-defined]
        for domain in Domain:
            self.fields[f"{domain.value}_band"] = forms.TypedChoiceField(
                label=f"{domain.label}: result",
                choices=BAND_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"{domain.value}_notes"] = forms.CharField(
                label=f"{domain.label}: notes",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["recommendations"] = forms.CharField(
            label="Recommendations",
            help_text="In plain words: they start the school-support letter.",
            max_length=6000,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"required": "Write the recommendations (they become the school letter)."},
        )

    def field_for_service_error(self, name: str) -> str:
        """The service names a domain; the form's field is its band."""
        return f"{name}_band" if name in Domain.values else name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for domain in Domain:
            if data.get(f"{domain.value}_notes") and data.get(f"{domain.value}_band") is None:
                self.add_error(f"{domain.value}_band", "Choose the result band.")
        return data

    def result_rows(self) -> list[tuple[str, int | None, str]]:
        """(domain, band, notes) for each domain given a band, or with notes but no band (an error)."""
        data = self.cleaned_data
        rows = []
        for domain in Domain:
            band, notes = data.get(f"{domain.value}_band"), data.get(f"{domain.value}_notes", "")
            if band is not None or notes:
                rows.append((domain.value, band, notes))
        return rows


class SchoolSupportForm(forms.Form):
    school = forms.CharField(label="School", max_length=200, required=False)
    contact_name = forms.CharField(
        label="Contact at school", max_length=150, required=False, help_text="For example the SENCo."
    )
    contact_email = forms.EmailField(
        label="Contact's email",
        required=False,
        error_messages={"invalid": "Enter an email address like name@school.org.uk."},
    )
    contact_phone = forms.CharField(label="Contact's phone", max_length=40, required=False)
    status = forms.ChoiceField(label="Support at school", choices=SchoolSupport.Status.choices)
    status_since = forms.DateField(
        label="Since", widget=DateInput, required=False, error_messages={"invalid": "Enter a real date."}
    )
    ehcp_requested_on = forms.DateField(
        label="EHCP requested on",
        widget=DateInput,
        required=False,
        error_messages={"invalid": "Enter a real date."},
    )
    ehcp_in_place_on = forms.DateField(
        label="EHCP in place from",
        widget=DateInput,
        required=False,
        error_messages={"invalid": "Enter a real date."},
    )


class LetterForm(forms.Form):
    body = forms.CharField(
        label="The letter's text",
        help_text="Check it reads plainly for the family and school. Saving makes a new version of the PDF.",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 18}),
        error_messages={"required": "The letter cannot be empty."},
    )
