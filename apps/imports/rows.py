"""One row of a caseload import, planned (dry run) or applied, through the patient services.

The dry run and Apply run the same code: work out what the row would change, then call the same
services as the forms (patient registration or change, guardian link, care-team membership) inside
one transaction per row. The dry run rolls that transaction back, so its refusals are the services'
own; Apply commits it, and first checks that the row would still change exactly what the dry run said.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients import access, services
from apps.patients.models import Guardian, Patient
from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from .columns import CellErrors, FileRow
from .models import Outcome
from .rowdata import ChildData, GuardianData, read_row

STALE = "This child's record changed after the dry run. Upload the file again to see the new plan."
OUT_OF_SCOPE = {
    "nhs_number": "Another child already has this NHS number.",  # the registration form's words
    "hospital_number": "Another child already has this hospital number.",
}
ASK_CHILD_PAGE = "Change it on the child's page: an import only adds."
# A row's refusal, whatever the service raised: in a file, a role refusal is one row's problem too.
ROW_REFUSALS = (*SERVICE_REFUSALS, PermissionDenied)
_PATIENT_COLUMNS = {"named_nurse": "named_nurse_email"}
_GUARDIAN_COLUMNS = {
    "full_name": "name",
    "authorised_by_name": "authorised_by",
    "email": "email",
    "relationship": "relationship",
    "authorised_on": "authorised_on",
    "authorisation_reason": "authorisation_reason",
    "has_parental_responsibility": "parental_responsibility",
}


@dataclass
class ImportContext:
    """Who imports for which team, with the staff looked up once per file."""

    actor: User
    team: Team
    staff: dict[str, User | None] = field(default_factory=dict)

    def staff_member(self, email: str) -> User | None:
        if email not in self.staff:
            self.staff[email] = (
                User.objects.filter(email__iexact=email, kind=User.Kind.STAFF, is_active=True)
                .select_related("staff_profile")
                .prefetch_related("staff_profile__teams")
                .first()
            )
        return self.staff[email]

    def scope(self) -> Any:
        """The children this import may change: the team's caseload (children whose named nurse is on the
        team), as far as a nurse sees it routinely (never through break-glass: emergency access is not for
        bulk changes); the clinic administrator is the records role for all of it."""
        caseload = Patient.objects.filter(named_nurse__staff_profile__teams=self.team)
        if roles.staff_role(self.actor) == roles.Role.CLINIC_ADMIN:
            return caseload
        return caseload.filter(pk__in=access.routinely_visible_patient_ids(self.actor))


@dataclass
class RowResult:
    outcome: str
    child_name: str = ""
    hospital_number: str = ""
    changes: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    patient: Patient | None = None


@dataclass
class _Plan:
    data: ChildData
    patient: Patient | None
    nurse: User | None
    changed_fields: dict[str, object] = field(default_factory=dict)
    new_guardians: list[GuardianData] = field(default_factory=list)
    new_members: list[User] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


class _Rollback(Exception):
    """Ends a dry run's transaction: everything the services wrote is undone."""


def _staff_checks(ctx: ImportContext, data: ChildData, errors: CellErrors) -> tuple[User | None, list[User]]:
    nurse = ctx.staff_member(data.named_nurse_email) if data.named_nurse_email else None
    if data.named_nurse_email and (
        nurse is None
        or roles.staff_role(nurse) != roles.Role.NURSE_SPECIALIST
        or ctx.team not in nurse.staff_profile.teams.all()
    ):
        errors.add(
            "named_nurse_email",
            f"{data.named_nurse_email} is not a clinical nurse specialist on {ctx.team.name}: an import "
            "adds children to this team's caseload only.",
        )
    members = []
    for email in data.care_team_emails:
        member = ctx.staff_member(email)
        if member is None or roles.staff_role(member) is None:
            errors.add("care_team_emails", f"{email} is not an active member of staff.")
        elif member == ctx.actor and member != nurse:
            # The forms never let anyone put themselves on a child's care team to gain access.
            errors.add("care_team_emails", "You cannot add yourself to a child's care team by import.")
        else:
            members.append(member)
    return nurse, members


def _match(ctx: ImportContext, data: ChildData, errors: CellErrors) -> Patient | None:
    """The child this row is about, by NHS number or hospital number, if it is in the import's scope."""
    nhs, hospital = data.fields.get("nhs_number"), data.fields.get("hospital_number")
    found = list(
        Patient.objects.filter(Q(hospital_number=hospital) | (Q(nhs_number=nhs) if nhs else Q(pk=None)))
    )
    if not found:
        return None
    if len(found) > 1:
        errors.add("nhs_number", "The NHS number and the hospital number belong to two different children.")
        return None
    patient = found[0]
    column = "nhs_number" if nhs and patient.nhs_number == nhs else "hospital_number"
    if not ctx.scope().filter(pk=patient.pk).exists():
        errors.add(column, OUT_OF_SCOPE[column])
        return None
    if patient.hospital_number != hospital:
        errors.add(
            "hospital_number", f"This NHS number's child has another hospital number. {ASK_CHILD_PAGE}"
        )
    elif nhs and patient.nhs_number and patient.nhs_number != nhs:
        errors.add("nhs_number", f"This hospital number's child has another NHS number. {ASK_CHILD_PAGE}")
    return patient


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    return f"“{value}”"


def _diff_child(plan: _Plan) -> None:
    fields = dict(plan.data.fields)
    fields["named_nurse"] = plan.nurse
    if plan.patient is None:
        plan.changed_fields = fields
        born = plan.data.fields.get("date_of_birth")
        plan.changes.append(f"Register {plan.data.name} (born {_shown(born)})")
        return
    for name, value in fields.items():
        if value is not None and getattr(plan.patient, name) != value:
            plan.changed_fields[name] = value
            label = "Named nurse" if name == "named_nurse" else name.replace("_", " ").capitalize()
            plan.changes.append(f"{label}: {_shown(getattr(plan.patient, name))} → {_shown(value)}")


def _same_basis(link: Guardian, g: GuardianData) -> bool:
    if (
        link.relationship != g.relationship
        or link.has_parental_responsibility != g.has_parental_responsibility
    ):
        return False
    if g.has_parental_responsibility:
        return True
    return (link.authorised_by_name, link.authorised_on, link.authorisation_reason) == (
        g.authorised_by_name,
        g.authorised_on,
        g.authorisation_reason,
    )


def _diff_people(plan: _Plan, members: list[User], errors: CellErrors) -> None:
    links = (
        {}
        if plan.patient is None
        else {link.user.email.lower(): link for link in plan.patient.guardians.select_related("user")}
    )
    for g in plan.data.guardians:
        link = links.get(g.email)
        if link is None:
            plan.new_guardians.append(g)
            basis = (
                "parental responsibility"
                if g.has_parental_responsibility
                else f"authorised by {g.authorised_by_name}"
            )
            plan.changes.append(f"Add guardian {g.name} ({g.relationship.replace('_', ' ')}, {basis})")
        elif not link.is_active:
            errors.add(g.column("email"), f"{g.email}'s access to this child was ended. {ASK_CHILD_PAGE}")
        elif not _same_basis(link, g):
            errors.add(
                g.column("relationship"), f"{g.email}'s relationship or legal basis differs. {ASK_CHILD_PAGE}"
            )
    current = (
        {}
        if plan.patient is None
        else {m.user_id: m for m in plan.patient.care_team.filter(access.current_care_team())}
    )
    for member in members:
        lead = member.email.lower() in plan.data.lead_emails
        if member.pk not in current:
            plan.new_members.append(member)
            plan.changes.append(
                f"Add {member.full_name} to the care team{' as lead clinician' if lead else ''}"
            )
        elif current[member.pk].is_lead != lead:
            errors.add(
                "lead_clinician_email", f"{member.full_name}'s lead clinician flag differs. {ASK_CHILD_PAGE}"
            )


def _columns(exc: Exception, mapping: dict[str, str], prefix: str = "") -> list[dict[str, str]]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [
            {"column": prefix + mapping.get(name, name) if name != "__all__" else "", "message": m}
            for name, messages in exc.message_dict.items()
            for m in messages
        ]
    return [{"column": "", "message": m} for m in refusal_messages(exc)]


def _write(ctx: ImportContext, plan: _Plan) -> Patient:
    """The row's writes, through the same services as the forms (inside the row's transaction)."""
    actor, patient = ctx.actor, plan.patient
    try:
        if patient is None:
            patient = services.patient_create(actor=actor, **plan.changed_fields)
        elif plan.changed_fields:
            patient = services.patient_change(actor=actor, patient=patient, **plan.changed_fields)
    except ROW_REFUSALS as exc:
        raise _Refused(_columns(exc, _PATIENT_COLUMNS)) from exc
    for g in plan.new_guardians:
        try:
            if not access.can_manage_guardians(actor, patient):
                raise PermissionDenied("Your role cannot manage this child's guardians.")
            services.guardian_attach(
                actor=actor,
                patient=patient,
                email=g.email,
                full_name=g.name,
                relationship=g.relationship,
                has_parental_responsibility=g.has_parental_responsibility,
                authorised_by_name=g.authorised_by_name,
                authorised_on=g.authorised_on,
                authorisation_reason=g.authorisation_reason,
            )
        except ROW_REFUSALS as exc:
            raise _Refused(_columns(exc, _GUARDIAN_COLUMNS, f"guardian_{g.slot}_")) from exc
    for member in plan.new_members:
        try:
            services.care_team_member_join(
                actor=actor,
                patient=patient,
                user=member,
                is_lead=member.email.lower() in plan.data.lead_emails,
            )
        except ROW_REFUSALS as exc:
            raise _Refused(_columns(exc, {"user": "care_team_emails"})) from exc
    return patient


class _Refused(Exception):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("refused")
        self.problems = problems


def run_row(
    ctx: ImportContext,
    row: FileRow,
    slots: int,
    *,
    commit: bool,
    expected: tuple[str, list[str]] | None = None,
) -> RowResult:
    """Plan one row (``commit=False``: the services run and are rolled back) or apply it (``commit=True``:
    refused unless it would still change exactly ``expected``, the dry run's outcome and changes)."""
    data, errors = read_row(row, slots)
    result = RowResult(Outcome.REFUSED, data.name, str(data.fields.get("hospital_number", "")))
    if not errors.problems:
        nurse, members = _staff_checks(ctx, data, errors)
        plan = _Plan(data, _match(ctx, data, errors), nurse)
    if errors.problems:
        result.problems = [p.as_dict() for p in errors.problems]
        return result
    _diff_child(plan)
    _diff_people(plan, members, errors)
    if errors.problems:
        result.problems = [p.as_dict() for p in errors.problems]
        return result
    result.patient, result.changes = plan.patient, plan.changes
    outcome = (
        Outcome.CREATED if plan.patient is None else Outcome.UPDATED if plan.changes else Outcome.UNCHANGED
    )
    if expected is not None and (outcome, plan.changes) != expected:
        result.problems = [{"column": "", "message": STALE}]
        return result
    if outcome == Outcome.UNCHANGED:
        result.outcome = outcome
        return result
    try:
        # Applying, this is the row's claim transaction (services.apply_rows): the write, or none of it.
        with transaction.atomic():
            result.patient = _write(ctx, plan)
            if not commit:
                raise _Rollback
    except _Rollback:
        result.patient = plan.patient  # the dry run's new child was never saved
    except _Refused as refused:
        result.problems = refused.problems
        return result
    result.outcome = outcome
    return result
