"""What each FHIR resource type is built from: a scoped queryset with its joins, and a mapper.

Every queryset starts from the owning app's selector or from ``visible_patients`` (through
``clinical_record_patients`` for the clinical record; other tables filter by their ids,
``reader.patient_ids()``), so FHIR sees exactly what the pages and the REST API see, and nothing else.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Prefetch, QuerySet

from apps.accounts.models import StaffProfile, Team
from apps.accounts.selectors import staff_members
from apps.caseload.selectors import caseload_row, flagged_patients
from apps.documents.models import FamilyDocument
from apps.messaging.models import Message, Thread
from apps.messaging.selectors import threads_visible_to
from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    ScaleItem,
    SeverityScore,
    SpecialtyTrack,
    SymptomReport,
    TrackEvent,
    TreatmentCourse,
    Tumour,
)
from apps.patients.access import current_care_team
from apps.patients.models import CareTeamMember, Guardian
from apps.referrals.models import Referral
from apps.referrals.selectors import referrals_visible_to
from apps.scheduling.models import Appointment
from apps.scheduling.selectors import appointments_visible_to
from apps.tasks.models import Task
from apps.tasks.selectors import tasks_visible_to

from .mappers import clinical, coordination, people, record
from .readers import Reader


@dataclass(frozen=True)
class Source:
    """One kind of row behind a FHIR resource type (a type may have several, told apart by id prefix)."""

    resource_type: str
    rows: Callable[[Reader], QuerySet[Any]]
    to_fhir: Callable[[Any], dict[str, Any]]
    prefix: str = ""
    patient_path: str | None = "patient"  # None: not about one child (no patient search, no audit)
    date_path: str | None = None
    date_is_datetime: bool = False
    status_field: str | None = None
    status_map: Mapping[Any, str] = field(default_factory=dict)  # ours -> FHIR
    order: tuple[str, ...] = ("pk",)
    category_field: str | None = None  # a field whose value is the category code
    category_code: str | None = None  # or one category code for every row
    # A row that gives several resources (a child's caseload flags): searched and paged in Python.
    expand: Callable[[Any], list[dict[str, Any]]] | None = None

    def resources(self, row: Any) -> list[dict[str, Any]]:
        return self.expand(row) if self.expand is not None else [self.to_fhir(row)]

    def fhir_id(self, pk: object) -> str:
        return f"{self.prefix}{pk}"

    def patient_id(self, row: Model) -> int | None:
        if self.patient_path is None:
            return None
        if self.patient_path == "pk":
            return row.pk
        obj: Any = row
        *joins, last = self.patient_path.split("__")
        for name in joins:
            obj = getattr(obj, name)
        return getattr(obj, f"{last}_id")


def _staff_only(rows: Callable[[], QuerySet[Any]], model: type[Model]) -> Callable[[Reader], QuerySet[Any]]:
    """Directory resources (staff, teams) are for staff and clients; families and everyone else see none."""

    def scoped(reader: Reader) -> QuerySet[Any]:
        return rows() if reader.sees_directory else model._default_manager.none()

    return scoped


def _patients(reader: Reader) -> QuerySet[Any]:
    return reader.patients()


def _care_teams(reader: Reader) -> QuerySet[Any]:
    current = CareTeamMember.objects.filter(current_care_team()).select_related("user")
    return (
        reader.patients()
        .select_related("named_nurse")
        .prefetch_related(Prefetch("care_team", queryset=current, to_attr="current_care_team"))
    )


def _guardians(reader: Reader) -> QuerySet[Any]:
    return Guardian.objects.filter(patient__in=reader.patient_ids()).select_related("user")


def _memberships() -> QuerySet[Any]:
    through = StaffProfile.teams.through
    return through.objects.filter(staffprofile__user__in=staff_members()).select_related(
        "staffprofile__user", "team"
    )


def _tracks(reader: Reader) -> QuerySet[Any]:
    return (
        SpecialtyTrack.objects.filter(patient__in=reader.clinical_patient_ids())
        .exclude(stage=SpecialtyTrack.Stage.NOT_INVOLVED)
        .prefetch_related(Prefetch("events", queryset=TrackEvent.objects.order_by("at", "pk")))
    )


def _assessments(reader: Reader) -> QuerySet[Any]:
    return DiagnosticAssessment.objects.filter(patient__in=reader.clinical_patient_ids()).prefetch_related(
        Prefetch("criteria", queryset=DiagnosticCriterion.objects.order_by("observed_on", "pk"))
    )


def _tumours(reader: Reader) -> QuerySet[Any]:
    return Tumour.objects.filter(patient__in=reader.clinical_patient_ids())


def _scores(reader: Reader) -> QuerySet[Any]:
    return (
        SeverityScore.objects.filter(patient__in=reader.clinical_patient_ids())
        .select_related("scale", "assessor")
        .prefetch_related(
            "values", Prefetch("scale__items", queryset=ScaleItem.objects.order_by("position", "pk"))
        )
    )


def _referrals(reader: Reader) -> QuerySet[Any]:
    # The referral's own audience, narrowed to children the reader may see (a closed referral to
    # one's team does not keep the child in view).
    if reader.is_system:
        return Referral.objects.filter(patient__in=reader.patient_ids()).select_related(
            "target_team", "source_user"
        )
    return referrals_visible_to(reader.user).filter(patient__in=reader.patient_ids())


def _investigations(reader: Reader) -> QuerySet[Any]:
    return Investigation.objects.filter(patient__in=reader.clinical_patient_ids()).select_related(
        "requested_by"
    )


def _results(reader: Reader) -> QuerySet[Any]:
    return _investigations(reader).filter(status=Investigation.Status.RESULTED)


def _appointments(reader: Reader) -> QuerySet[Any]:
    if reader.is_system:
        return Appointment.objects.filter(patient__in=reader.patient_ids()).select_related("clinician")
    return appointments_visible_to(reader.user).select_related("clinician")


def _messages(reader: Reader) -> QuerySet[Any]:
    # threads_visible_to keeps staff-only threads from families: the messaging app's rule.
    # A client gets family threads only: staff-only discussion stays inside CareCoord.
    threads = (
        Thread.objects.filter(patient__in=reader.patient_ids(), kind=Thread.Kind.FAMILY)
        if reader.is_system
        else threads_visible_to(reader.user)
    )
    return Message.objects.filter(thread__in=threads).select_related("thread", "author")


def _tasks(reader: Reader) -> QuerySet[Any]:
    if reader.is_system:
        return Task.objects.filter(patient__in=reader.patient_ids()).select_related("assignee", "team")
    return tasks_visible_to(reader.user)


def _resections(reader: Reader) -> QuerySet[Any]:
    return _tumours(reader).filter(resected_on__isnull=False)


def _courses(reader: Reader) -> QuerySet[Any]:
    return TreatmentCourse.objects.filter(patient__in=reader.clinical_patient_ids()).exclude(
        agent__in=record.NOT_MEDICINES
    )


def _documents(reader: Reader) -> QuerySet[Any]:
    # As the documents selectors: staff see withdrawn letters (marked), a family never does.
    rows = FamilyDocument.objects.filter(patient__in=reader.patient_ids())
    return rows.filter(is_withdrawn=False) if reader.is_family else rows


def _symptom_reports(reader: Reader) -> QuerySet[Any]:
    return SymptomReport.objects.filter(patient__in=reader.clinical_patient_ids()).select_related(
        "reported_by"
    )


def _flagged(reader: Reader) -> QuerySet[Any]:
    # The caseload's own flag SQL over every child this member of staff may see (none for families).
    return flagged_patients(reader.clinical_patients())


def _flags(row: Any) -> list[dict[str, Any]]:
    return record.flags(caseload_row(row))


SOURCES: dict[str, list[Source]] = {
    "Patient": [Source("Patient", _patients, people.patient, patient_path="pk")],
    "RelatedPerson": [Source("RelatedPerson", _guardians, people.related_person)],
    "Practitioner": [
        Source(
            "Practitioner", _staff_only(staff_members, StaffProfile), people.practitioner, patient_path=None
        )
    ],
    "PractitionerRole": [
        Source(
            "PractitionerRole",
            _staff_only(_memberships, StaffProfile.teams.through),
            people.practitioner_role,
            patient_path=None,
        )
    ],
    "Organization": [
        Source("Organization", _staff_only(Team.objects.all, Team), people.organization, patient_path=None)
    ],
    "CareTeam": [Source("CareTeam", _care_teams, people.care_team, patient_path="pk")],
    "EpisodeOfCare": [
        Source(
            "EpisodeOfCare",
            _tracks,
            clinical.episode_of_care,
            status_field="stage",
            status_map=clinical.EPISODE_STATUS,
        )
    ],
    "Condition": [
        Source(
            "Condition",
            _assessments,
            clinical.oms_condition,
            prefix="oms-",
            category_code="encounter-diagnosis",
        ),
        Source(
            "Condition",
            _tumours,
            clinical.neuroblastoma_condition,
            prefix="nb-",
            category_code="encounter-diagnosis",
        ),
    ],
    "Observation": [
        Source(
            "Observation",
            _scores,
            clinical.observation,
            date_path="assessed_on",
            order=("assessed_on", "pk"),
            category_code="survey",
        )
    ],
    "ServiceRequest": [
        Source(
            "ServiceRequest",
            _referrals,
            clinical.referral_request,
            prefix="ref-",
            category_code="referral",
            date_path="created_at",
            date_is_datetime=True,
            status_field="status",
            status_map=clinical.REFERRAL_STATUS,
        ),
        Source(
            "ServiceRequest",
            _investigations,
            clinical.investigation_request,
            prefix="inv-",
            category_code="investigation",
            date_path="requested_on",
            status_field="status",
            status_map=clinical.INVESTIGATION_STATUS,
        ),
    ],
    "DiagnosticReport": [
        Source(
            "DiagnosticReport",
            _results,
            clinical.diagnostic_report,
            date_path="resulted_at",
            date_is_datetime=True,
        )
    ],
    "Appointment": [
        Source(
            "Appointment",
            _appointments,
            coordination.appointment,
            date_path="starts_at",
            date_is_datetime=True,
            status_field="status",
            status_map=coordination.APPOINTMENT_STATUS,
            order=("starts_at", "pk"),
        )
    ],
    "Task": [
        Source(
            "Task",
            _tasks,
            coordination.task,
            date_path="created_at",
            date_is_datetime=True,
            status_field="status",
            status_map=coordination.TASK_STATUS,
        )
    ],
    "Communication": [
        Source(
            "Communication",
            _messages,
            coordination.communication,
            patient_path="thread__patient",
            category_field="thread__kind",
            date_path="created_at",
            date_is_datetime=True,
            order=("created_at", "pk"),
        )
    ],
    "Procedure": [
        Source(
            "Procedure",
            _resections,
            record.procedure,
            date_path="resected_on",
            category_code="387713003",
            order=("resected_on", "pk"),
        )
    ],
    "MedicationStatement": [
        Source(
            "MedicationStatement",
            _courses,
            record.medication_statement,
            date_path="start_date",
            status_field="status",
            status_map=record.COURSE_STATUS,
            order=("start_date", "pk"),
        )
    ],
    "DocumentReference": [
        Source(
            "DocumentReference",
            _documents,
            record.document_reference,
            date_path="uploaded_at",
            date_is_datetime=True,
            status_field="is_withdrawn",
            status_map={False: "current", True: "superseded"},
            category_code="family-letter",
            order=("uploaded_at", "pk"),
        )
    ],
    "QuestionnaireResponse": [
        Source(
            "QuestionnaireResponse",
            _symptom_reports,
            record.questionnaire_response,
            date_path="submitted_at",
            date_is_datetime=True,
            order=("submitted_at", "pk"),
        )
    ],
    "Flag": [
        Source(
            "Flag",
            _flagged,
            lambda row: {},
            patient_path="pk",
            expand=_flags,
            order=("family_name", "given_name", "pk"),
        )
    ],
}


def source_for_id(resource_type: str, fhir_id: str) -> tuple[Source, int] | None:
    """Which source an id belongs to, and the row's primary key; None for an id we never issue."""
    for source in SOURCES.get(resource_type, []):
        if source.expand is not None:
            rest = fhir_id.split("-", 1)[0]  # a child's flags: <child id>-<flag>
            return (source, int(rest)) if rest.isdigit() and len(rest) < 18 else None
        if fhir_id.startswith(source.prefix):
            rest = fhir_id[len(source.prefix) :]
            if rest.isdigit() and len(rest) < 18:  # an id we could have issued
                return source, int(rest)
    return None
