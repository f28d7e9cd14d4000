"""Writes for emergency plans: prepare a draft, approve it, and mark the plan for review when a course
changes. Each service takes the acting user first; scope (404) is the caller's: the child comes from
``visible_patients`` first. A reader outside the care team (break-glass) reads but does not change.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.notifications.services import notification_create
from apps.pathways.models import TreatmentCourse
from apps.patients import access
from apps.patients.models import Guardian, Patient
from apps.tasks.models import Task
from apps.tasks.services import task_open, tasks_complete_for_sources
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.history import save_with_history
from carecoord.limits import within
from carecoord.transitions import Transitions

from .models import EmergencyPlan, PlanVersion
from .selectors import plan_consultant, plan_content

Status = PlanVersion.Status
PREPARE_REFUSED = (
    "Only a nurse specialist or consultant on the child's care team can prepare the emergency plan."
)
APPROVE_REFUSED = "Only a consultant on the child's care team can approve the emergency plan."

VERSION = Transitions(
    "emergency plan version",
    {
        Status.DRAFT: {Status.APPROVED, Status.WITHDRAWN},
        Status.APPROVED: {Status.SUPERSEDED},
        Status.SUPERSEDED: set(),
        Status.WITHDRAWN: set(),
    },
    label=lambda state: Status(state).label,
    subject=lambda version: f"Version {version.number}",
)


def _on_care_team(user: User, patient: Patient) -> bool:
    return access.caseload_patients(user).filter(pk=patient.pk).exists()


def can_prepare(user: User, patient: Patient) -> bool:
    return roles.can_prepare_emergency_plan(user) and _on_care_team(user, patient)


def can_approve(user: User, patient: Patient) -> bool:
    return roles.can_approve_emergency_plan(user) and _on_care_team(user, patient)


def review_task_key(plan: EmergencyPlan) -> str:
    return f"emergency-plan-review:{plan.pk}:{plan.reviews_requested}"


def _withdraw_drafts(plan: EmergencyPlan, actor: User | None, note: str) -> None:
    for draft in plan.versions.select_for_update().filter(status=Status.DRAFT):
        changed = VERSION.apply(draft, Status.WITHDRAWN, actor=actor)
        draft.note = note[:300]
        save_with_history(draft, actor=actor, update_fields=[*changed, "note"])


def plan_prepare(*, actor: User, patient: Patient, note: str = "") -> PlanVersion:
    """Build a new draft from the record as it stands (open courses, contacts, the advice blocks that
    apply). An earlier unapproved draft is withdrawn: one draft waits for approval at a time."""
    refuse_unless(can_prepare(actor, patient), PREPARE_REFUSED)
    note = within(note, field="note", limit=300, label="Note")
    with transaction.atomic(durable=True):
        plan, _ = EmergencyPlan.objects.get_or_create(patient=patient)
        plan = EmergencyPlan.objects.select_for_update().get(pk=plan.pk)
        _withdraw_drafts(plan, actor, "Replaced by a newer draft")
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = PlanVersion(
            plan=plan,
            number=number,
            status=Status.DRAFT,
            content=plan_content(patient),
            prepared_by=actor,
            prepared_at=timezone.now(),
            note=note,
        )
        VERSION.create(version, actor=actor)
    return version


def plan_approve(*, actor: User, patient: Patient, number: int) -> PlanVersion:
    """The consultant approves the draft they read (``number``): families see it from now on, the
    version they saw before is superseded, and the review (and its task) is done."""
    refuse_unless(can_approve(actor, patient), APPROVE_REFUSED)
    with transaction.atomic(durable=True):
        plan = EmergencyPlan.objects.select_for_update().filter(patient=patient).first()
        version = plan.versions.filter(number=number).first() if plan else None
        if plan is None or version is None:
            raise ApplicationError.stale(
                "There is no draft of the emergency plan to approve. Prepare one first."
            )
        if version.status != Status.DRAFT:
            raise ApplicationError.stale(
                f"Version {number} is {version.get_status_display().lower()}: reload the page to see the current draft."
            )
        if plan.review_requested_at and version.prepared_at < plan.review_requested_at:
            raise ApplicationError.stale(
                "The child's treatment changed after this draft was prepared. Prepare a new draft and check it."
            )
        now = timezone.now()
        for earlier in plan.versions.select_for_update().filter(status=Status.APPROVED):
            VERSION.move(earlier, Status.SUPERSEDED, actor=actor)
        VERSION.move(version, Status.APPROVED, actor=actor, approved_by=actor, approved_at=now)
        if plan.needs_review:
            tasks_complete_for_sources(source_keys=[review_task_key(plan)], actor=actor)
        plan.needs_review, plan.review_reason = False, ""
        save_with_history(plan, actor=actor, update_fields=["needs_review", "review_reason"])
        _tell_guardians(patient)
    return version


def _tell_guardians(patient: Patient) -> None:
    """In the approval's transaction (outbox): each guardian is told the plan is ready to read."""
    url = reverse("emergency_plans:family_plan", args=[patient.pk])
    guardians = (
        Guardian.objects.with_legal_basis().filter(patient=patient, is_active=True).select_related("user")
    )
    for guardian in guardians:
        notification_create(
            recipient=guardian.user,
            kind="emergency_plan_approved",
            title=f"{patient.given_name}'s emergency plan is ready to read",
            url=url,
            patient_id=patient.pk,
        )


def _review_reason(course: TreatmentCourse, from_status: str, to_status: str) -> str:
    to_label = TreatmentCourse.Status(to_status).label.lower()
    if not from_status:
        return f"{course.label} course recorded ({to_label})."
    return (
        f"{course.label} course moved from {TreatmentCourse.Status(from_status).label.lower()} to {to_label}."
    )


def _review_task(plan: EmergencyPlan, actor: User | None, reason: str) -> Task | None:
    """One task per review, for the child's consultant (or Neurology's queue when there is none)."""
    patient = plan.patient
    consultant = plan_consultant(patient)
    team = None if consultant else Team.objects.filter(code=Team.Code.NEUROLOGY).first()
    if consultant is None and team is None:
        return None  # nobody to give it to: the staff page still shows "needs review"
    return task_open(
        title=f"Review {patient.given_name}'s emergency plan: treatment changed",
        detail=f"{reason} The family still sees the last approved plan until a new version is approved.",
        source=Task.Source.EMERGENCY_PLAN,
        source_key=review_task_key(plan),
        assignee=consultant,
        team=team,
        patient=patient,
        priority=Task.Priority.HIGH,
        link_url=reverse("emergency_plans:plan", args=[patient.pk]),
        created_by=actor,
    )


def plan_mark_for_review(
    *, actor: User | None, course: TreatmentCourse, from_status: str, to_status: str
) -> EmergencyPlan | None:
    """Inside the course's transaction: the child's plan needs review, drafts built before the change
    are withdrawn, and the consultant gets one task for this review (more changes before it is done
    add to the reason, not to the tasks). A child with no plan yet has nothing to review."""
    plan = EmergencyPlan.objects.select_for_update().filter(patient_id=course.patient_id).first()
    if plan is None:
        return None
    reason = _review_reason(course, from_status, to_status)
    if not plan.needs_review:
        plan.reviews_requested += 1
        plan.review_reason = reason
    else:
        plan.review_reason = f"{plan.review_reason} {reason}"[-300:].strip()
    plan.needs_review = True
    plan.review_requested_at = timezone.now()
    save_with_history(
        plan,
        actor=actor,
        update_fields=["needs_review", "review_reason", "review_requested_at", "reviews_requested"],
    )
    _withdraw_drafts(plan, actor, "Treatment changed after this draft was prepared")
    _review_task(plan, actor, reason)
    return plan


def course_changed_mark_for_review(sender: Any, **kwargs: Any) -> None:
    """The ``course_changed`` receiver (connected in apps.py)."""
    plan_mark_for_review(
        actor=kwargs.get("actor"),
        course=kwargs["course"],
        from_status=kwargs.get("from_status", ""),
        to_status=kwargs["to_status"],
    )
