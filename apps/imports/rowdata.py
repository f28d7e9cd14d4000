"""One CSV row read into typed values, with a problem per bad cell (nothing touches the database)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from apps.patients.models import Guardian, Patient
from apps.patients.nhs_number import normalise_nhs_number

from .columns import (
    CHILD_COLUMNS,
    GUARDIAN_FIELDS,
    REQUIRED_COLUMNS,
    CellErrors,
    FileRow,
    clean_cell,
    parse_date,
    parse_emails,
    parse_yes_no,
)

_LABELS = {
    "hospital_number": "hospital number",
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "named_nurse_email": "named nurse's email",
}


@dataclass
class GuardianData:
    slot: int
    name: str
    email: str
    relationship: str
    has_parental_responsibility: bool
    authorised_by_name: str
    authorised_on: datetime.date | None
    authorisation_reason: str

    def column(self, name: str) -> str:
        return f"guardian_{self.slot}_{name}"


@dataclass
class ChildData:
    """The child's fields as the patient services take them (empty text means "leave as it is")."""

    fields: dict[str, object]
    named_nurse_email: str
    care_team_emails: list[str]
    lead_emails: list[str]
    guardians: list[GuardianData] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.fields.get('given_name', '')} {self.fields.get('family_name', '')}".strip()


def _choice(column: str, value: str, choices: type, errors: CellErrors, what: str) -> str:
    if not value:
        return ""
    code = value.strip().lower().replace(" ", "_").replace("-", "_")
    labels = {str(label).lower(): key for key, label in choices.choices}  # type: ignore[attr-defined]
    code = labels.get(value.strip().lower(), code)
    if code not in choices.values:  # type: ignore[attr-defined]
        allowed = ", ".join(choices.values)  # type: ignore[attr-defined]
        errors.add(column, f"“{value}” is not a {what}. Use one of: {allowed}.")
        return ""
    return str(code)


def _guardian(slot: int, cells: dict[str, str], errors: CellErrors) -> GuardianData | None:
    values = {
        name: clean_cell(f"guardian_{slot}_{name}", cells[f"guardian_{slot}_{name}"], errors)
        for name in GUARDIAN_FIELDS
    }
    if not any(values.values()):
        return None
    col = f"guardian_{slot}_"
    for name, label in (("name", "name"), ("email", "email"), ("relationship", "relationship")):
        if not values[name]:
            errors.add(
                col + name, f"Enter guardian {slot}'s {label}, or leave all of guardian {slot}'s cells empty."
            )
    return GuardianData(
        slot=slot,
        name=values["name"],
        email=values["email"].lower(),
        relationship=_choice(
            col + "relationship", values["relationship"], Guardian.Relationship, errors, "relationship"
        ),
        has_parental_responsibility=parse_yes_no(
            col + "parental_responsibility", values["parental_responsibility"], errors, default=True
        ),
        authorised_by_name=values["authorised_by"],
        authorised_on=parse_date(col + "authorised_on", values["authorised_on"], errors),
        authorisation_reason=values["authorisation_reason"],
    )


def read_row(row: FileRow, slots: int) -> tuple[ChildData, CellErrors]:
    errors = CellErrors()
    if row.extra_cells:
        errors.add("", "The row has more cells than the header has columns.")
    cells = {c: clean_cell(c, row.cells[c], errors) for c in CHILD_COLUMNS}
    for column in REQUIRED_COLUMNS:
        if not cells[column] and not any(p.column == column for p in errors.problems):
            errors.add(column, f"Enter the child's {_LABELS[column]}.")
    fields: dict[str, object] = {
        name: cells[name]
        for name in ("hospital_number", "given_name", "family_name", "preferred_name", "postcode", "school")
    }
    fields["hospital_number"] = cells["hospital_number"].upper()
    if cells["nhs_number"]:
        try:
            fields["nhs_number"] = normalise_nhs_number(cells["nhs_number"])
        except ValidationError as exc:
            errors.add("nhs_number", " ".join(exc.messages))
    fields["date_of_birth"] = parse_date("date_of_birth", cells["date_of_birth"], errors)
    fields["sex"] = _choice("sex", cells["sex"], Patient.Sex, errors, "sex")
    fields["status"] = _choice("status", cells["status"], Patient.Status, errors, "status")
    fields = {k: v for k, v in fields.items() if v not in ("", None)}
    data = ChildData(
        fields=fields,
        named_nurse_email=cells["named_nurse_email"].lower(),
        care_team_emails=list(dict.fromkeys(parse_emails(cells["care_team_emails"]))),
        lead_emails=parse_emails(cells["lead_clinician_email"]),
    )
    for slot in range(1, slots + 1):
        guardian = _guardian(slot, row.cells, errors)
        if guardian is not None:
            data.guardians.append(guardian)
    emails = [g.email for g in data.guardians if g.email]
    for guardian in data.guardians:
        if guardian.email and emails.count(guardian.email) > 1 and guardian.slot > 1:
            errors.add(guardian.column("email"), "This guardian's email is already in another guardian slot.")
    if any(email not in data.care_team_emails for email in data.lead_emails):
        errors.add("lead_clinician_email", "The lead clinician must also be listed in care_team_emails.")
    return data, errors


def row_keys(row: FileRow) -> tuple[str, str]:
    """(NHS number digits or "", hospital number) for spotting the same child twice in one file."""
    nhs = row.cells.get("nhs_number", "").strip()
    try:
        nhs = normalise_nhs_number(nhs) if nhs else ""
    except ValidationError:
        nhs = ""
    return nhs, row.cells.get("hospital_number", "").strip().upper()
