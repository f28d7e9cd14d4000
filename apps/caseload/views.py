import csv
import functools
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts import roles
from apps.accounts.decorators import staff_required
from apps.accounts.types import AnyUser, AuthedRequest
from apps.audit.models import AccessEvent
from apps.audit.services import access_record
from apps.pathways.models import Specialty, SpecialtyTrack
from apps.pathways.safety_flags import safety_flags
from apps.patients.models import Patient
from apps.scheduling.models import Appointment

from .selectors import CaseloadRow, caseload_rows, caseload_table

# Short labels for the compact track column; the full name is in the cell's title and hidden text.
_STAGE_SHORT: dict[str, str] = {
    SpecialtyTrack.Stage.NOT_INVOLVED: "–",
    SpecialtyTrack.Stage.REFERRED: "Ref",
    SpecialtyTrack.Stage.ASSESSING: "Ass",
    SpecialtyTrack.Stage.TREATING: "Tx",
    SpecialtyTrack.Stage.MONITORING: "Mon",
    SpecialtyTrack.Stage.DISCHARGED: "D/C",
}


SPECIALTY_SHORT: dict[str, str] = {
    Specialty.NEUROLOGY: "Neuro",
    Specialty.ONCOLOGY: "Onc",
    Specialty.SURGERY: "Surg",
    Specialty.NURSING: "Nurs",
    Specialty.PSYCHOLOGY: "Psych",
    Specialty.NEUROPSYCHOLOGY: "NPsy",
    Specialty.THERAPIES: "Ther",
}


def _tracks(patient: Patient) -> list[dict[str, str]]:
    stages = vars(patient)["track_stages"]  # {specialty: stage}, read with the page (caseload_table)
    return _cells(tuple(stages.get(value, SpecialtyTrack.Stage.NOT_INVOLVED) for value in Specialty.values))


def _cells(stages: tuple[str, ...]) -> list[dict[str, str]]:
    """One cell per specialty, in the fixed order, from its stage."""
    return [
        {
            "specialty": label,
            "stage": stage,
            "short": _STAGE_SHORT[stage],
            "label": SpecialtyTrack.Stage(stage).label,
        }
        for (_value, label), stage in zip(Specialty.choices, stages, strict=True)
    ]


@functools.lru_cache(maxsize=1024)
def _lanes(stages: tuple[str, ...]) -> str:
    """The row's specialty chips, drawn once per combination of stages: a page of 50 rows has few,
    and drawing 350 chips through the template took a third of its rendering time."""
    return render_to_string("caseload/_lanes.html", {"tracks": _cells(stages)})


def _row(row: CaseloadRow) -> dict:
    patient = row.patient
    kind = vars(patient)["next_appointment_kind"]
    tracks = _tracks(patient)
    return {
        "patient": patient,
        "reasons": row.reasons,
        "attention": row.attention,
        "items": row.items,
        "clinical": row.clinical_urgency > 0,
        "review_overdue": row.review_overdue,
        "stale_contact": row.stale_contact,
        "review_due_on": row.review_due_on,
        "next_appointment_label": Appointment.Kind(kind).label if kind else "",
        "tracks": tracks,
        "lanes": _lanes(tuple(cell["stage"] for cell in tracks)),
        "treatment": ", ".join(
            f"{c.label} ({c.get_status_display().lower()})" for c in vars(patient)["current_courses"]
        ),
        "days_since_contact": row.days_since_contact,
    }


def _with_safety_flags(rows: list[dict]) -> list[dict]:
    """Add each row's safety flags (docs/safety/hazard-log.md), in a fixed number of queries."""
    flags = safety_flags(row["patient"].pk for row in rows)
    for row in rows:
        row["safety_flags"] = flags.get(row["patient"].pk, [])
    return rows


PAGE_SIZE = 50  # rows per page; the CSV export streams every row


@staff_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    query = request.GET.get("q", "")
    status = request.GET.get("status", "")
    attention_only = request.GET.get("attention") == "1"
    ranked = caseload_rows(user=request.user, query=query, status=status, attention_only=attention_only)
    if request.GET.get("format") == "csv":
        return _csv(request, ranked)
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    patients = list(page.object_list)
    rows = caseload_table(patients, user=request.user)
    access_record(request=request, patients=patients, what="caseload")
    context = {
        "patients": [row.patient for row in rows],
        "page": page,
        "rows": _with_safety_flags([_row(row) for row in rows]),
        "query": query,
        "status": status,
        "attention_only": attention_only,
        "statuses": Patient.Status.choices,
        "specialty_key": " · ".join(SPECIALTY_SHORT[value] for value in Specialty.values),
        "can_register": roles.can_register_patient(request.user),
    }
    template = "caseload/_rows.html" if request.htmx else "caseload/home.html"
    return render(request, template, context)


CSV_HEADER = [
    "Family name",
    "Given name",
    "Hospital number",
    "NHS number",
    "Date of birth",
    "Status",
    "Needs attention score",
    "Clinical urgency score",
    "Administrative backlog score",
    "Reasons",
    "Open relapse",
    "Overdue tasks",
    "Results to acknowledge",
    "Urgent referral awaiting triage",
    "Current treatment",
    "Days since last contact",
    *[label for _, label in Specialty.choices],
]
CSV_CHUNK = 200  # children whose flags are computed per query while the export streams


class _Line:
    """A file-like object for csv.writer that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _csv(request: AuthedRequest, ranked: QuerySet[Patient]) -> StreamingHttpResponse:
    """Every row of the search, streamed: the rows are audited first (one batch), then their flags are
    computed CSV_CHUNK children at a time, so memory and each query stay small however long the list."""
    patients = list(ranked)
    access_record(
        request=request, patients=patients, what="caseload export", channel=AccessEvent.Channel.EXPORT
    )
    response = StreamingHttpResponse(
        _csv_lines(request.user, patients), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="caseload-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


def _csv_lines(user: AnyUser, patients: list[Patient]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_HEADER)
    for start in range(0, len(patients), CSV_CHUNK):
        for row in caseload_table(patients[start : start + CSV_CHUNK], user=user):
            yield writer.writerow(_csv_cells(row))


def _csv_cells(row: CaseloadRow) -> list[str | int]:
    patient, shown = row.patient, _row(row)
    return [
        csv_cell(patient.family_name),
        csv_cell(patient.given_name),
        csv_cell(patient.hospital_number),
        patient.nhs_number_display,
        patient.date_of_birth.isoformat(),
        patient.get_status_display(),
        row.attention,
        row.clinical_urgency,
        row.administrative_backlog,
        csv_cell("; ".join(reason.text for reason in row.reasons)),
        "yes" if row.items["open_relapse"] else "no",
        row.items["overdue_tasks"],
        row.items["abnormal_results"] + row.items["normal_results"],
        "yes" if row.items["urgent_referral"] else "no",
        csv_cell(shown["treatment"]),
        "" if row.days_since_contact is None else row.days_since_contact,
        *[t["label"] for t in shown["tracks"]],
    ]


# What makes a spreadsheet read a cell as a formula (OWASP's CSV injection list), also after
# leading spaces or line breaks, which some spreadsheets skip; and the full-width forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: str) -> str:
    """Stop a spreadsheet from treating a cell as a formula (CSV injection): a leading apostrophe."""
    starts = (value[:1], value.lstrip(" \n")[:1])
    return f"'{value}" if any(c and c in FORMULA_STARTS for c in starts) else value
