import csv
from typing import TYPE_CHECKING, cast

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.pathways.models import Specialty, SpecialtyTrack
from apps.patients.models import Patient
from apps.scheduling.models import Appointment

from .selectors import STALE_CONTACT_DAYS, caseload_rows, days_since

if TYPE_CHECKING:
    from .selectors import CaseloadPatient

# Short labels for the compact track column; the full name is in the cell's title and hidden text.
_STAGE_SHORT: dict[str, str] = {
    SpecialtyTrack.Stage.NOT_INVOLVED: "–",
    SpecialtyTrack.Stage.REFERRED: "Ref",
    SpecialtyTrack.Stage.ASSESSING: "Ass",
    SpecialtyTrack.Stage.TREATING: "Tx",
    SpecialtyTrack.Stage.MONITORING: "Mon",
    SpecialtyTrack.Stage.DISCHARGED: "D/C",
}


SPECIALTY_SHORT = {
    "neurology": "Neuro",
    "oncology": "Onc",
    "surgery": "Surg",
    "nursing": "Nurs",
    "psychology": "Psych",
    "neuropsychology": "NPsy",
    "therapies": "Ther",
}


def _tracks(patient: "CaseloadPatient") -> list[dict[str, str]]:
    stages = {t.specialty: t.stage for t in patient.tracks.all()}
    cells = []
    for value, label in Specialty.choices:
        stage = stages.get(value, SpecialtyTrack.Stage.NOT_INVOLVED)
        cells.append(
            {
                "specialty": label,
                "stage": stage,
                "short": _STAGE_SHORT[stage],
                "label": SpecialtyTrack.Stage(stage).label,
            }
        )
    return cells


def _row(patient: "CaseloadPatient") -> dict:
    days = days_since(patient.last_contact)
    return {
        "patient": patient,
        "stale_contact": patient.status == Patient.Status.ACTIVE
        and (days is None or days > STALE_CONTACT_DAYS),
        "review_overdue": patient.review_due_on is not None and patient.review_due_on < timezone.localdate(),
        "next_appointment_label": (
            Appointment.Kind(patient.next_appointment_kind).label if patient.next_appointment_kind else ""
        ),
        "tracks": _tracks(patient),
        "treatment": ", ".join(
            f"{c.label} ({c.get_status_display().lower()})" for c in patient.current_courses
        ),
        "days_since_contact": days,
    }


@staff_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    status = request.GET.get("status", "")
    attention_only = request.GET.get("attention") == "1"
    rows = caseload_rows(user=request.user, query=query, status=status, attention_only=attention_only)
    patients = cast("list[CaseloadPatient]", list(rows))
    if request.GET.get("format") == "csv":
        access_record(
            request=request, patients=patients, what="caseload export", channel=AccessEvent.Channel.EXPORT
        )
        return _csv(patients)
    access_record(request=request, patients=patients, what="caseload")
    context = {
        "patients": patients,
        "rows": [_row(p) for p in patients],
        "query": query,
        "status": status,
        "attention_only": attention_only,
        "statuses": Patient.Status.choices,
        "specialty_key": " · ".join(SPECIALTY_SHORT[value] for value in Specialty.values),
        "can_register": roles.can_register_patient(request.user),
    }
    template = "caseload/_rows.html" if request.htmx else "caseload/home.html"
    return render(request, template, context)


def _csv(patients: list["CaseloadPatient"]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="caseload-{timezone.localdate():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Family name",
            "Given name",
            "Hospital number",
            "NHS number",
            "Date of birth",
            "Status",
            "Needs attention score",
            "Open relapse",
            "Overdue tasks",
            "Results to acknowledge",
            "Urgent referral awaiting triage",
            "Current treatment",
            "Days since last contact",
            *[label for _, label in Specialty.choices],
        ]
    )
    for patient in patients:
        row = _row(patient)
        writer.writerow(
            [
                _safe(patient.family_name),
                _safe(patient.given_name),
                _safe(patient.hospital_number),
                patient.nhs_number_display,
                patient.date_of_birth.isoformat(),
                patient.get_status_display(),
                patient.attention,
                "yes" if patient.open_relapse else "no",
                patient.overdue_tasks,
                patient.unacknowledged_results,
                "yes" if patient.urgent_referral else "no",
                _safe(row["treatment"]),
                "" if row["days_since_contact"] is None else row["days_since_contact"],
                *[t["label"] for t in row["tracks"]],
            ]
        )
    return response


def _safe(value: str) -> str:
    """Stop a spreadsheet from treating a cell as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
