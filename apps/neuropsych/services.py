"""Writes for neuropsychology: record an assessment (which completes the due re-evaluation) and keep
the child's school and support status.

Scope (404) is the caller's: the child comes from ``patient_get`` first. Each service refuses a role
with PermissionDenied and bad input with ValidationError, and runs in one durable transaction.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients import access
from apps.patients.models import Patient
from apps.scheduling.services.review_outcomes import reviews_complete_for_assessment
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history

from .models import Assessment, Band, Domain, DomainResult, SchoolSupport

Role = roles.Role
ASSESSORS = frozenset({Role.NEUROPSYCHOLOGIST, Role.PSYCHOLOGIST})
ASSESSORS_ONLY = "Only a neuropsychologist or psychologist records an assessment."
CLINICIANS_ONLY = "Only clinicians looking after this child can change this."


@dataclass(frozen=True)
class ResultSpec:
    domain: str
    band: int | None
    notes: str = ""


def _sees(user: User, patient: Patient) -> bool:
    return access.can_see(user, patient.pk)


def can_record_assessment(user: User, patient: Patient) -> bool:
    return roles.staff_role(user) in ASSESSORS and _sees(user, patient)


def can_keep_school_support(user: User, patient: Patient) -> bool:
    """Clinicians who see the child (the nurse usually hears of an EHCP first)."""
    return roles.can_change_track(user) and _sees(user, patient)


def _result_errors(results: list[ResultSpec], errors: dict[str, list[str]]) -> None:
    seen: set[str] = set()
    for spec in results:
        if spec.domain not in Domain.values:
            errors.setdefault("results", []).append(f"“{spec.domain}” is not a domain we record.")
        elif spec.domain in seen:
            errors.setdefault("results", []).append(f"{Domain(spec.domain).label} is entered twice.")
        elif spec.band not in Band.values:
            errors.setdefault(spec.domain, []).append("Choose the result band.")
        seen.add(spec.domain)
        if len(spec.notes or "") > 2000:
            errors.setdefault(spec.domain, []).append("Keep the notes to 2000 characters or fewer.")
    if not results:
        errors["results"] = ["Enter a result for at least one domain tested."]


def assessment_record(
    *,
    actor: User,
    patient: Patient,
    assessed_on: datetime.date | None,
    assessed_by: User | None,
    results: list[ResultSpec],
    recommendations: str,
) -> Assessment:
    """Record a neuropsychology assessment with its results and recommendations.

    It completes the child's due neuropsychology re-evaluation (through scheduling's service, in the
    same transaction), so the review stops being due and its tasks close.
    """
    refuse_unless(can_record_assessment(actor, patient), ASSESSORS_ONLY)
    errors: dict[str, list[str]] = {}
    if assessed_on is None:
        errors["assessed_on"] = ["Enter the date of the assessment."]
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = ["The assessment date cannot be in the future."]
    if assessed_by is None or roles.staff_role(assessed_by) is None:
        errors["assessed_by"] = ["Choose the member of staff who did the assessment."]
    recommendations = (recommendations or "").strip()
    if not recommendations:
        errors["recommendations"] = ["Write the recommendations (they become the school letter)."]
    elif len(recommendations) > 6000:
        errors["recommendations"] = ["Keep the recommendations to 6000 characters or fewer."]
    _result_errors(results, errors)
    if errors or assessed_on is None or assessed_by is None:
        raise ValidationError(errors)
    team = Team.objects.filter(code=Team.Code.NEUROPSYCHOLOGY).first()
    with transaction.atomic(durable=True):
        assessment = Assessment(
            patient=patient,
            assessed_on=assessed_on,
            assessed_by=assessed_by,
            recommendations=recommendations,
            recorded_by=actor,
        )
        save_with_history(assessment, actor=actor)
        rows = [
            DomainResult(
                assessment=assessment, domain=s.domain, band=s.band or 0, notes=(s.notes or "").strip()
            )
            for s in results  # every band was checked above
        ]
        bulk_create_with_history(rows, DomainResult, default_user=actor)
        if team is not None:
            reviews_complete_for_assessment(
                actor=actor,
                patient=patient,
                team_id=team.pk,
                completed_on=assessed_on,
                completed_by=assessed_by,
            )
    return assessment


def _support_errors(
    status: str,
    status_since: datetime.date | None,
    requested: datetime.date | None,
    in_place: datetime.date | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if status not in SchoolSupport.Status.values:
        errors["status"] = ["Choose the support the child has."]
    for field, day in (
        ("status_since", status_since),
        ("ehcp_requested_on", requested),
        ("ehcp_in_place_on", in_place),
    ):
        if day is not None and day > today:
            errors[field] = ["The date cannot be in the future."]
    if status == SchoolSupport.Status.EHCP_REQUESTED and requested is None:
        errors["ehcp_requested_on"] = ["Enter the date the EHCP was requested."]
    if status == SchoolSupport.Status.EHCP_IN_PLACE and in_place is None:
        errors["ehcp_in_place_on"] = ["Enter the date the EHCP was put in place."]
    if requested and in_place and in_place < requested:
        errors["ehcp_in_place_on"] = ["The EHCP cannot be in place before it was requested."]
    return errors


def school_support_update(
    *,
    actor: User,
    patient: Patient,
    school: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    status: str,
    status_since: datetime.date | None = None,
    ehcp_requested_on: datetime.date | None = None,
    ehcp_in_place_on: datetime.date | None = None,
) -> SchoolSupport:
    """Record the child's school, a contact there and the support status; earlier values stay in history."""
    refuse_unless(can_keep_school_support(actor, patient), CLINICIANS_ONLY)
    errors = _support_errors(status, status_since, ehcp_requested_on, ehcp_in_place_on)
    values = {
        "school": (school or "").strip(),
        "contact_name": (contact_name or "").strip(),
        "contact_email": (contact_email or "").strip(),
        "contact_phone": (contact_phone or "").strip(),
    }
    for field, limit in (("school", 200), ("contact_name", 150), ("contact_phone", 40)):
        if len(values[field]) > limit:
            errors[field] = [f"Keep this to {limit} characters or fewer."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        support = SchoolSupport.objects.select_for_update().filter(patient=patient).first()
        support = support or SchoolSupport(patient=patient, updated_by=actor)
        for field, value in values.items():
            setattr(support, field, value)
        support.status, support.status_since = status, status_since
        support.ehcp_requested_on, support.ehcp_in_place_on = ehcp_requested_on, ehcp_in_place_on
        support.updated_by, support.updated_at = actor, timezone.now()
        save_with_history(support, actor=actor)
    return support
