"""Writes for questionnaires: staff assign one to a child; a family submits its answers.

Each service takes the acting user first. Scope (404) is the caller's: the child comes from
``visible_patients`` first. A role refusal is PermissionDenied (403), bad answers a ValidationError
with plain words per question, and nothing is written unless everything is. Reminders, tasks and
notifications are rows in the same transaction (the outbox).
"""

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.notifications.services import notifications_create_bulk
from apps.patients import access
from apps.patients.models import Guardian, Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open
from carecoord import watch
from carecoord.attention import patient_attention_changed
from carecoord.errors import refuse_unless

from .definitions import ItemSpec, OptionSpec, questionnaire_create, version_is_locked
from .models import Assignment, Questionnaire, QuestionnaireResponse, ResponseAnswer
from .scoring import answers_parse, total_of

CARE_TEAM_ONLY = "Only the child's care team can ask the family to fill in a questionnaire."
FAMILY_ONLY = "Only the child's family can answer their questionnaires."


def portal_url(assignment: Assignment) -> str:
    return f"/portal/children/{assignment.patient_id}/questionnaires/{assignment.pk}/"


def staff_response_url(response: QuestionnaireResponse) -> str:
    return f"/patients/{response.patient_id}/questionnaires/responses/{response.pk}/"


def can_assign(user: User, patient: Patient) -> bool:
    """The child's care team and named nurse; a break-glass reader sees the answers but asks nothing."""
    return access.caseload_patients(user).filter(pk=patient.pk).exists()


def reminders_write(assignments: Iterable[Assignment]) -> int:
    """Tell each active guardian of each child that a questionnaire is waiting: in-app and by email,
    one notification per guardian and assignment, written in bulk in the caller's transaction."""
    assignments = list(assignments)
    if not assignments:
        return 0
    guardians = Guardian.objects.filter(
        patient_id__in={a.patient_id for a in assignments}, is_active=True, user__is_active=True
    ).select_related("user")
    by_child: dict[int, list[User]] = {}
    for guardian in guardians:
        by_child.setdefault(guardian.patient_id, []).append(guardian.user)
    specs = [
        {
            "recipient": user,
            "kind": "questionnaire_assigned",
            "title": "A short questionnaire is waiting for you",
            "url": portal_url(a),
            "patient_id": a.patient_id,
        }
        for a in assignments
        for user in by_child.get(a.patient_id, [])
    ]
    notifications_create_bulk(specs)
    return len(specs)


def assignment_create(
    *, actor: User, patient: Patient, questionnaire: Questionnaire, due_on: datetime.date
) -> Assignment:
    """Ask the family to answer the questionnaire's current version by ``due_on``; they are reminded."""
    refuse_unless(can_assign(actor, patient), CARE_TEAM_ONLY)
    errors: dict[str, str] = {}
    version = questionnaire.versions.filter(is_current=True).first()
    if not questionnaire.is_active or version is None:
        errors["questionnaire"] = "This questionnaire is no longer in use: choose another."
    if due_on is None:
        errors["due_on"] = "Enter the date it should be answered by."
    elif due_on < timezone.localdate():
        errors["due_on"] = "The date it should be answered by cannot be in the past."
    if errors or version is None:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        assignment = Assignment.objects.create(
            patient=patient, version=version, reason=Assignment.Reason.STAFF, due_on=due_on, assigned_by=actor
        )
        reminders_write([assignment])
    return assignment


def response_submit(
    *, actor: User, assignment: Assignment, answers: Mapping[str, object]
) -> tuple[QuestionnaireResponse, bool]:
    """Store and score the family's answers. (response, True) the first time; a second submission of
    the same assignment is answered with the first response and (response, False)."""
    refuse_unless(
        roles.is_family(actor) and access.can_see(actor, assignment.patient_id),
        FAMILY_ONLY,
    )
    existing = QuestionnaireResponse.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing, False
    items = list(assignment.version.items.prefetch_related("options"))
    parsed = answers_parse(items, answers)
    total = total_of(parsed)
    with transaction.atomic(durable=True):
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("patient__named_nurse")
            .get(pk=assignment.pk)
        )
        existing = QuestionnaireResponse.objects.filter(assignment=locked).first()
        if existing is not None:  # a double tap that raced the first
            return existing, False
        previous = (
            QuestionnaireResponse.objects.filter(
                patient_id=locked.patient_id, version__questionnaire_id=locked.version.questionnaire_id
            )
            .order_by("-authored_at", "-id")
            .first()
        )
        response = QuestionnaireResponse.objects.create(
            assignment=locked,
            patient_id=locked.patient_id,
            version_id=locked.version_id,
            author=actor,
            total_score=total,
            max_score=locked.version.max_score,
            change=None if previous is None else total - previous.total_score,
        )
        ResponseAnswer.objects.bulk_create(
            ResponseAnswer(
                response=response,
                item=a.item,
                link_id=a.item.link_id,
                value_code=a.code,
                value_integer=a.integer,
                value_boolean=a.boolean,
                value_text=a.text,
                score=a.score,
            )
            for a in parsed
        )
        _worse_task(response, locked)
        patient_attention_changed([locked.patient_id])  # a contact from the family
    return response, True


def _worse_task(response: QuestionnaireResponse, assignment: Assignment) -> Task | None:
    """A rise of the questionnaire's threshold or more over the previous total: the named nurse's
    task (their cover's or the Nursing queue's when away), urgent while the child is in a watch."""
    questionnaire = assignment.version.questionnaire
    threshold = questionnaire.change_threshold
    if threshold is None or response.change is None or response.change < threshold:
        return None
    patient = assignment.patient
    state = watch.active_watches([patient.pk], timezone.localdate()).get(patient.pk)
    assignee, team = named_nurse_or_nursing_queue(patient)
    detail = (
        f"The family's answers to {questionnaire.title} total {response.total_score} of "
        f"{response.max_score}, {response.change} points above the previous response "
        f"(the threshold is {threshold})."
    )
    if state is not None:
        detail += (
            f" {patient.given_name} is in a watch period: {state.reason}, until {state.ends_on:%d %b %Y}."
        )
    return task_open(
        title=f"Questionnaire worse for {patient.given_name}: {questionnaire.title}",
        detail=detail,
        source=Task.Source.QUESTIONNAIRE,
        assignee=assignee,
        team=team,
        patient=patient,
        due_on=timezone.localdate(),
        priority=Task.Priority.URGENT if state is not None else Task.Priority.HIGH,
        source_key=f"questionnaire-worse:{response.pk}",
        link_url=staff_response_url(response),
    )


__all__ = [
    "ItemSpec",
    "OptionSpec",
    "assignment_create",
    "questionnaire_create",
    "response_submit",
    "version_is_locked",
]
