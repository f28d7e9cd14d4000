"""The caseload as CSV, in the import's columns, so an exported file imports back unchanged."""

import csv
import io
from collections.abc import Iterable

from apps.patients.models import Guardian, Patient

from .columns import GUARDIAN_FIELDS, MAX_GUARDIAN_SLOTS, TEMPLATE_GUARDIAN_SLOTS, header, neutralise

# The template's one example row: clearly a demo, and a comment (the "#") that an import skips.
DEMO_ROW = {
    "hospital_number": "# DEMO ROW (ignored on import): H123456",
    "nhs_number": "943 476 5919",
    "given_name": "Demo",
    "family_name": "Example",
    "preferred_name": "",
    "date_of_birth": "2022-05-14",
    "sex": "female",
    "postcode": "AB1 2CD",
    "school": "Example Nursery",
    "status": "active",
    "named_nurse_email": "nurse@carecoord.example",
    "care_team_emails": "nurse@carecoord.example; consultant@carecoord.example",
    "lead_clinician_email": "consultant@carecoord.example",
    "guardian_1_name": "Demo Parent",
    "guardian_1_email": "demo.parent@example.org",
    "guardian_1_relationship": "mother",
    "guardian_1_parental_responsibility": "yes",
}


def _write(rows: Iterable[dict[str, str]], slots: int) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header(slots), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return out.getvalue()


def template_csv() -> str:
    return _write([DEMO_ROW], TEMPLATE_GUARDIAN_SLOTS)


def _guardian_cells(slot: int, link: Guardian) -> dict[str, str]:
    values = {
        "name": link.user.full_name,
        "email": link.user.email,
        "relationship": link.relationship,
        "parental_responsibility": "yes" if link.has_parental_responsibility else "no",
        "authorised_by": link.authorised_by_name,
        "authorised_on": link.authorised_on.isoformat() if link.authorised_on else "",
        "authorisation_reason": link.authorisation_reason,
    }
    return {f"guardian_{slot}_{name}": values[name] for name in GUARDIAN_FIELDS}


def _child_cells(patient: Patient) -> dict[str, str]:
    members = patient.current_members  # type: ignore[attr-defined]
    lead = "; ".join(m.user.email for m in members if m.is_lead)
    row = {
        "hospital_number": patient.hospital_number,
        "nhs_number": patient.nhs_number or "",
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "postcode": patient.postcode,
        "school": patient.school,
        "status": patient.status,
        "named_nurse_email": patient.named_nurse.email if patient.named_nurse else "",
        "care_team_emails": "; ".join(m.user.email for m in members),
        "lead_clinician_email": lead,
    }
    for slot, link in enumerate(patient.active_guardians[:MAX_GUARDIAN_SLOTS], start=1):  # type: ignore[attr-defined]
        row.update(_guardian_cells(slot, link))
    return row


def caseload_csv(patients: list[Patient]) -> str:
    """One row per child; as many guardian slots as the child with the most guardians needs (at least two)."""
    most = max((len(p.active_guardians) for p in patients), default=0)  # type: ignore[attr-defined]
    slots = min(max(TEMPLATE_GUARDIAN_SLOTS, most), MAX_GUARDIAN_SLOTS)
    return _write((_child_cells(p) for p in patients), slots)
