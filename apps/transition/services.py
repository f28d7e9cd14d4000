"""Writes for transition plans: open, update, readiness, the joint appointment and the transfer.

Each service takes the acting user first, refuses a role with PermissionDenied (403), bad input with
ValidationError and a stale state with ApplicationError. Scope (404) is the caller's: the child comes
from ``visible_patients`` first. Only the child's care team (or named nurse) changes a plan.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.documents.generation import document_generate
from apps.documents.models import FamilyDocument
from apps.pathways.models import Specialty, SpecialtyTrack
from apps.pathways.selectors import pathway_summary
from apps.pathways.services import TRACK, track_move
from apps.patients import access
from apps.patients.models import Patient
from apps.scheduling.models import Appointment
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.history import save_with_history
from carecoord.transitions import Transitions

from .milestones import milestone_tasks_open
from .models import ReadinessCheck, ReadinessItem, TransitionPlan
from .selectors import checklist

Status = TransitionPlan.Status
CARE_TEAM_ONLY = "Only the young person's care team can change their transition plan."
TRANSFER_NOTE = "Transferred to adult services"
HANDOVER_KIND = "transition_handover"

PLAN = Transitions(
    "transition plan",
    {Status.OPEN: {Status.TRANSFERRED}, Status.TRANSFERRED: set()},
    label=lambda state: Status(state).label,
    illegal="This young person has already been transferred to adult services.",
)


def can_edit_plan(user: User, patient: Patient) -> bool:
    """The child's care team and named nurse: break-glass readers see the plan but do not change it."""
    return access.caseload_patients(user).filter(pk=patient.pk).exists()


def editable_plan_get(*, user: User, patient: Patient) -> TransitionPlan:
    """The child's plan for someone who may change it: 403 for a reader outside the care team, 404
    when there is no plan. The child itself comes from ``visible_patients`` first (404)."""
    refuse_unless(can_edit_plan(user, patient), CARE_TEAM_ONLY)
    plan = TransitionPlan.objects.filter(patient=patient).first()
    if plan is None:
        raise Http404
    return plan


def plan_open(*, actor: User, patient: Patient, opened_on: datetime.date) -> TransitionPlan:
    """A clinician opens the plan (earlier than the daily job would), with its first milestone task."""
    refuse_unless(can_edit_plan(actor, patient), CARE_TEAM_ONLY)
    with transaction.atomic(durable=True):
        plan, _ = TransitionPlan.objects.get_or_create(patient=patient, defaults={"opened_on": opened_on})
        milestone_tasks_open(today=opened_on, plans=TransitionPlan.objects.filter(pk=plan.pk))
    return plan


def _text(value: str, field: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = [f"Keep this to {limit} characters or fewer (it has {len(value)})."]
    return value


def plan_update(
    *,
    actor: User,
    plan: TransitionPlan,
    named_worker: User | None = None,
    adult_team: str = "",
    adult_hospital: str = "",
    target_transfer_on: datetime.date | None = None,
) -> TransitionPlan:
    refuse_unless(can_edit_plan(actor, plan.patient), CARE_TEAM_ONLY)
    errors: dict[str, list[str]] = {}
    adult_team = _text(adult_team, "adult_team", 150, errors)
    adult_hospital = _text(adult_hospital, "adult_hospital", 150, errors)
    if named_worker is not None and roles.staff_role(named_worker) is None:
        errors["named_worker"] = ["The named worker must be a member of staff."]
    if target_transfer_on is not None and target_transfer_on < plan.opened_on:
        errors["target_transfer_on"] = ["The target transfer date cannot be before the plan opened."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = TransitionPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != Status.OPEN:
            raise ApplicationError.stale("This young person has already been transferred to adult services.")
        locked.named_worker = named_worker
        locked.adult_team = adult_team
        locked.adult_hospital = adult_hospital
        locked.target_transfer_on = target_transfer_on
        locked.updated_at = timezone.now()
        save_with_history(
            locked,
            actor=actor,
            update_fields=[
                "named_worker",
                "adult_team",
                "adult_hospital",
                "target_transfer_on",
                "updated_at",
            ],
        )
    return locked


def readiness_record(
    *, actor: User, plan: TransitionPlan, item: ReadinessItem, ready: bool, note: str = ""
) -> ReadinessCheck:
    refuse_unless(can_edit_plan(actor, plan.patient), CARE_TEAM_ONLY)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", 300, errors)
    if not item.is_active:
        errors["item"] = ["This checklist item is no longer in use."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        check = ReadinessCheck.objects.select_for_update().filter(plan=plan, item=item).first()
        check = check or ReadinessCheck(plan=plan, item=item)
        check.ready, check.note = ready, note
        check.recorded_by, check.recorded_at = actor, timezone.now()
        save_with_history(check, actor=actor)
    return check


def joint_appointment_set(
    *, actor: User, plan: TransitionPlan, appointment: Appointment | None
) -> TransitionPlan:
    """Link the joint appointment with the adult team (booked through scheduling as any other)."""
    refuse_unless(can_edit_plan(actor, plan.patient), CARE_TEAM_ONLY)
    if appointment is not None and appointment.patient_id != plan.patient_id:
        raise ValidationError({"appointment": ["Choose one of this young person's appointments."]})
    if appointment is not None and appointment.status == Appointment.Status.CANCELLED:
        raise ValidationError({"appointment": ["This appointment was cancelled: choose another."]})
    with transaction.atomic(durable=True):
        locked = TransitionPlan.objects.select_for_update().get(pk=plan.pk)
        locked.joint_appointment = appointment
        locked.updated_at = timezone.now()
        save_with_history(locked, actor=actor, update_fields=["joint_appointment", "updated_at"])
    return locked


def _discharge_tracks(actor: User, patient: Patient) -> list[str]:
    """Every track the table lets go to discharged; one that was never involved stays as it is."""
    moved = []
    for track in SpecialtyTrack.objects.filter(patient=patient).order_by("specialty"):
        if TRACK.can(track.stage, SpecialtyTrack.Stage.DISCHARGED):
            track_move(
                actor=actor,
                patient=patient,
                specialty=track.specialty,
                to_stage=SpecialtyTrack.Stage.DISCHARGED,
                note=TRANSFER_NOTE,
            )
            moved.append(track.specialty)
    return moved


def plan_transfer(
    *, actor: User, plan: TransitionPlan, transferred_on: datetime.date, note: str = ""
) -> TransitionPlan:
    """Record the transfer: the plan closes, the tracks are discharged with the reason, and the
    after-transfer milestones (3 and 6 months in the demo configuration) fall due from this date."""
    refuse_unless(can_edit_plan(actor, plan.patient), CARE_TEAM_ONLY)
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", 500, errors)
    if transferred_on is None:
        errors["transferred_on"] = ["Enter the date of the transfer."]
    elif transferred_on > timezone.localdate():
        errors["transferred_on"] = ["A transfer cannot be recorded before it happens."]
    elif transferred_on < plan.opened_on:
        errors["transferred_on"] = ["The transfer cannot be before the plan opened."]
    if not plan.adult_team.strip():
        errors["adult_team"] = ["Name the adult team on the plan before recording the transfer."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = TransitionPlan.objects.select_for_update().get(pk=plan.pk)
        PLAN.move(
            locked,
            Status.TRANSFERRED,
            actor=actor,
            transferred_on=transferred_on,
            transfer_note=note,
            updated_at=timezone.now(),
        )
        discharged = _discharge_tracks(actor, locked.patient)
        _handover_summary(actor, locked, discharged)
    return locked


def _handover_summary(actor: User, plan: TransitionPlan, discharged: list[str]) -> FamilyDocument:
    """The handover summary (PDF) for the adult team, laid out from the record: staff-only until
    someone releases it to the family from the Documents tab."""
    context = {
        "plan": plan,
        "summary": pathway_summary(patient=plan.patient),
        "checklist": checklist(plan),
        "discharged": [Specialty(code).label for code in discharged],
    }
    return document_generate(
        actor=actor,
        patient=plan.patient,
        kind=HANDOVER_KIND,
        series_key=f"transition-handover:{plan.pk}",
        title="Handover summary for the adult team",
        template="documents/letters/transition_handover.html",
        context=context,
        dated=plan.transferred_on,
    )
