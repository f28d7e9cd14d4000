"""What each FHIR resource type is built from: a scoped queryset with its joins, and a mapper.

Every queryset starts from the owning app's selector or from ``visible_patients`` (through
``clinical_record_patients`` for the clinical record), so FHIR sees exactly what the pages and the
REST API see, and nothing else.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Prefetch, QuerySet

from apps.accounts import roles
from apps.accounts.models import StaffProfile, Team
from apps.accounts.selectors import staff_members
from apps.accounts.types import AnyUser
from apps.messaging.models import Message
from apps.messaging.selectors import threads_visible_to
from apps.pathways.models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    ScaleItem,
    SeverityScore,
    SpecialtyTrack,
    TrackEvent,
    Tumour,
)
from apps.patients.access import clinical_record_patients, current_care_team, visible_patients
from apps.patients.models import CareTeamMember, Guardian
from apps.referrals.selectors import referrals_visible_to
from apps.scheduling.selectors import appointments_visible_to
from apps.tasks.selectors import tasks_visible_to

from .mappers import clinical, coordination, people


@dataclass(frozen=True)
class Source:
    """One kind of row behind a FHIR resource type (a type may have several, told apart by id prefix)."""

    resource_type: str
    rows: Callable[[AnyUser], QuerySet[Any]]
    to_fhir: Callable[[Any], dict[str, Any]]
    prefix: str = ""
    patient_path: str | None = "patient"  # None: not about one child (no patient search, no audit)
    date_path: str | None = None
    date_is_datetime: bool = False
    status_field: str | None = None
    status_map: Mapping[str, str] = field(default_factory=dict)  # ours -> FHIR
    order: tuple[str, ...] = ("pk",)

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


def _staff_only(rows: Callable[[], QuerySet[Any]], model: type[Model]) -> Callable[[AnyUser], QuerySet[Any]]:
    """Directory resources (staff, teams) are for staff; families and everyone else see none."""

    def scoped(user: AnyUser) -> QuerySet[Any]:
        return rows() if roles.staff_role(user) is not None else model._default_manager.none()

    return scoped


def _patients(user: AnyUser) -> QuerySet[Any]:
    return visible_patients(user)


def _care_teams(user: AnyUser) -> QuerySet[Any]:
    current = CareTeamMember.objects.filter(current_care_team()).select_related("user")
    return (
        visible_patients(user)
        .select_related("named_nurse")
        .prefetch_related(Prefetch("care_team", queryset=current, to_attr="current_care_team"))
    )


def _guardians(user: AnyUser) -> QuerySet[Any]:
    return Guardian.objects.filter(patient__in=visible_patients(user)).select_related("user")


def _memberships() -> QuerySet[Any]:
    through = StaffProfile.teams.through
    return through.objects.filter(staffprofile__user__in=staff_members()).select_related(
        "staffprofile__user", "team"
    )


def _tracks(user: AnyUser) -> QuerySet[Any]:
    return (
        SpecialtyTrack.objects.filter(patient__in=clinical_record_patients(user))
        .exclude(stage=SpecialtyTrack.Stage.NOT_INVOLVED)
        .prefetch_related(Prefetch("events", queryset=TrackEvent.objects.order_by("at", "pk")))
    )


def _assessments(user: AnyUser) -> QuerySet[Any]:
    return DiagnosticAssessment.objects.filter(patient__in=clinical_record_patients(user)).prefetch_related(
        Prefetch("criteria", queryset=DiagnosticCriterion.objects.order_by("observed_on", "pk"))
    )


def _tumours(user: AnyUser) -> QuerySet[Any]:
    return Tumour.objects.filter(patient__in=clinical_record_patients(user))


def _scores(user: AnyUser) -> QuerySet[Any]:
    return (
        SeverityScore.objects.filter(patient__in=clinical_record_patients(user))
        .select_related("scale", "assessor")
        .prefetch_related(
            "values", Prefetch("scale__items", queryset=ScaleItem.objects.order_by("position", "pk"))
        )
    )


def _referrals(user: AnyUser) -> QuerySet[Any]:
    # The referral's own audience, narrowed to children the reader may see (a closed referral to
    # one's team does not keep the child in view).
    return referrals_visible_to(user).filter(patient__in=visible_patients(user))


def _investigations(user: AnyUser) -> QuerySet[Any]:
    return Investigation.objects.filter(patient__in=clinical_record_patients(user)).select_related(
        "requested_by"
    )


def _results(user: AnyUser) -> QuerySet[Any]:
    return _investigations(user).filter(status=Investigation.Status.RESULTED)


def _appointments(user: AnyUser) -> QuerySet[Any]:
    return appointments_visible_to(user).select_related("clinician")


def _messages(user: AnyUser) -> QuerySet[Any]:
    # threads_visible_to keeps staff-only threads from families: the messaging app's rule.
    return Message.objects.filter(thread__in=threads_visible_to(user)).select_related("thread", "author")


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
        Source("Condition", _assessments, clinical.oms_condition, prefix="oms-"),
        Source("Condition", _tumours, clinical.neuroblastoma_condition, prefix="nb-"),
    ],
    "Observation": [
        Source(
            "Observation", _scores, clinical.observation, date_path="assessed_on", order=("assessed_on", "pk")
        )
    ],
    "ServiceRequest": [
        Source(
            "ServiceRequest",
            _referrals,
            clinical.referral_request,
            prefix="ref-",
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
            tasks_visible_to,
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
            date_path="created_at",
            date_is_datetime=True,
            order=("created_at", "pk"),
        )
    ],
}


def source_for_id(resource_type: str, fhir_id: str) -> tuple[Source, int] | None:
    """Which source an id belongs to, and the row's primary key; None for an id we never issue."""
    for source in SOURCES.get(resource_type, []):
        if fhir_id.startswith(source.prefix):
            rest = fhir_id[len(source.prefix) :]
            if rest.isdigit() and len(rest) < 18:  # an id we could have issued
                return source, int(rest)
    return None
