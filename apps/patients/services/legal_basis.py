"""Which links to a child have a legal basis, checked when a link or an invitation is made."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from carecoord.limits import within

from ..models import YOUNG_PERSON_CONSENT_AGE, Guardian, Patient

NO_BASIS = "Parental responsibility ended and no one with it has authorised access."
NO_CONSENT = (
    f"The young person is {YOUNG_PERSON_CONSENT_AGE} and their consent to this access was not recorded."
)
# The youngest age at which a young person may have their own portal account (the first proxy review).
OWN_ACCOUNT_FROM_AGE = 11


def clean_authorisation(
    *,
    relationship: str,
    has_parental_responsibility: bool,
    authorised_by_name: str = "",
    authorised_on: datetime.date | None = None,
    authorisation_reason: str = "",
) -> dict[str, object]:
    """The authorisation fields a new link needs: none with parental responsibility (or for the young
    person's own account); otherwise who authorised it, when and why, all three."""
    if has_parental_responsibility or relationship == Guardian.Relationship.SELF:
        return {"authorised_by_name": "", "authorised_on": None, "authorisation_reason": ""}
    errors = {}
    if not (authorised_by_name or "").strip():
        errors["authorised_by_name"] = (
            "Without parental responsibility, access must be authorised by someone who has it: say who."
        )
    if authorised_on is None:
        errors["authorised_on"] = "Enter the date access was authorised."
    elif authorised_on > timezone.localdate():
        errors["authorised_on"] = "The date of the authorisation cannot be in the future."
    if not (authorisation_reason or "").strip():
        errors["authorisation_reason"] = "Say why access was authorised."
    if errors:
        raise ValidationError(errors)
    return {
        "authorised_by_name": within(
            authorised_by_name, field="authorised_by_name", limit=150, label="Access authorised by"
        ),
        "authorised_on": authorised_on,
        "authorisation_reason": within(
            authorisation_reason, field="authorisation_reason", limit=300, label="Why access was authorised"
        ),
    }


def check_own_account(patient: Patient, relationship: str) -> None:
    """A young person's own account ("self") is for a child old enough for their own access."""
    if (
        relationship == Guardian.Relationship.SELF
        and patient.age_on(timezone.localdate()) < OWN_ACCOUNT_FROM_AGE
    ):
        raise ValidationError(
            {
                "relationship": f"A young person can have their own account from the age of {OWN_ACCOUNT_FROM_AGE}."
            }
        )
