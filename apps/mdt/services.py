"""Writes for MDT meetings: schedule, attendance, the list (add, order, carry over) and outcomes.

Each service takes the acting user first, refuses a role with PermissionDenied, bad input with
ValidationError and a state conflict with ApplicationError, and runs in one durable transaction.
Scope (404) is the caller's: a child comes from ``visible_patients`` and an item through
``selectors.item_get`` before any service is called.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.pathways.models import Investigation, Relapse, SeverityScore
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.history import save_with_history
from carecoord.limits import within

from .models import Action, Attendee, Item, Meeting, Outcome

DUPLICATE_MESSAGE = "This child is already on this meeting's list."
CHAIR_ONLY = "Only the chair of this meeting can do this."
CARE_TEAM_ONLY = "Only the child's care team can list them for a meeting."


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner: User
    due_on: datetime.date


def can_schedule_meeting(user: User, team: Team) -> bool:
    """Members of the team (and clinic administrators) schedule its meetings."""
    return team.pk in roles.team_ids(user) or roles.staff_role(user) == roles.Role.CLINIC_ADMIN


def is_chair(user: User, meeting: Meeting) -> bool:
    return roles.staff_role(user) is not None and meeting.chair_id == user.pk


def can_list_child(user: User, patient: Patient) -> bool:
    """Only someone on the child's care team (or their named nurse) lists them for a meeting."""
    return access.caseload_patients(user).filter(pk=patient.pk).exists()


def _text(value: str, field: str, message: str, errors: dict[str, list[str]], limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = [message]
    elif len(value) > limit:
        errors[field] = [f"Keep this to {limit} characters or fewer."]
    return value


def meeting_schedule(
    *, actor: User, team: Team, title: str, starts_at: datetime.datetime, chair: User, location: str = ""
) -> Meeting:
    refuse_unless(can_schedule_meeting(actor, team), "Only members of the team can schedule its meetings.")
    errors: dict[str, list[str]] = {}
    title = _text(title, "title", "Give the meeting a name, for example 'OMS clinic MDT'.", errors, 120)
    if starts_at is None:
        errors["starts_at"] = ["Enter the date and time of the meeting."]
    if roles.staff_role(chair) is None:
        errors["chair"] = ["The chair must be a member of staff."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        meeting = Meeting(
            team=team,
            title=title,
            starts_at=starts_at,
            chair=chair,
            location=location.strip(),
            created_by=actor,
        )
        save_with_history(meeting, actor=actor)
    return meeting


def attendance_record(*, actor: User, meeting: Meeting, present: list[User]) -> list[Attendee]:
    """Record who is present (the chair's list replaces the one before)."""
    refuse_unless(is_chair(actor, meeting), CHAIR_ONLY)
    if any(roles.staff_role(u) is None for u in present):
        raise ValidationError({"present": ["Only members of staff can be recorded as present."]})
    with transaction.atomic(durable=True):
        Attendee.objects.filter(meeting=meeting).exclude(user__in=present).delete()
        known = set(Attendee.objects.filter(meeting=meeting).values_list("user_id", flat=True))
        Attendee.objects.bulk_create(
            [Attendee(meeting=meeting, user=u, recorded_by=actor) for u in present if u.pk not in known]
        )
    return list(Attendee.objects.filter(meeting=meeting).select_related("user"))


def _material_errors(
    patient: Patient,
    scores: list[SeverityScore],
    investigations: list[Investigation],
    relapses: list[Relapse],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, rows in (("scores", scores), ("investigations", investigations), ("relapses", relapses)):
        if any(row.patient_id != patient.pk for row in rows):
            errors[field] = ["Link only this child's own record."]
    return errors


def item_add(
    *,
    actor: User,
    meeting: Meeting,
    patient: Patient,
    question: str,
    scores: list[SeverityScore] | None = None,
    investigations: list[Investigation] | None = None,
    relapses: list[Relapse] | None = None,
    carried_from: Item | None = None,
    carry_reason: str = "",
) -> Item:
    """List a child for a meeting with the question to answer and the material to look at."""
    refuse_unless(can_list_child(actor, patient), CARE_TEAM_ONLY)
    scores, investigations, relapses = scores or [], investigations or [], relapses or []
    errors = _material_errors(patient, scores, investigations, relapses)
    question = _text(question, "question", "Write the question for the meeting.", errors)
    if meeting.starts_at < timezone.now() - datetime.timedelta(hours=12):
        errors["meeting"] = ["This meeting has already taken place: choose an upcoming one."]
    if errors:
        raise ValidationError(errors)
    if Item.objects.filter(meeting=meeting, patient=patient).exists():
        raise ApplicationError.clash({"patient": [DUPLICATE_MESSAGE]})
    try:
        with transaction.atomic(durable=True):
            Meeting.objects.select_for_update().get(pk=meeting.pk)  # positions handed out one at a time
            last = Item.objects.filter(meeting=meeting).aggregate(last=Max("position"))["last"] or 0
            item = Item(
                meeting=meeting,
                patient=patient,
                question=question,
                position=last + 1,
                added_by=actor,
                carried_from=carried_from,
                carry_reason=carry_reason,
            )
            save_with_history(item, actor=actor)
            item.scores.set(scores)
            item.investigations.set(investigations)
            item.relapses.set(relapses)
    except IntegrityError as exc:  # two people listing the same child at once: the second is told
        raise ApplicationError.clash({"patient": [DUPLICATE_MESSAGE]}) from exc
    return item


def items_order(*, actor: User, meeting: Meeting, item_ids: list[int]) -> None:
    """The chair puts the list in order; ``item_ids`` must name every child on it exactly once."""
    refuse_unless(is_chair(actor, meeting), CHAIR_ONLY)
    with transaction.atomic(durable=True):
        items = {i.pk: i for i in Item.objects.select_for_update().filter(meeting=meeting)}
        if sorted(item_ids) != sorted(items):
            raise ApplicationError.stale("The list changed while you were ordering it. Reload and try again.")
        for position, pk in enumerate(item_ids, start=1):
            items[pk].position = position
        Item.objects.bulk_update(items.values(), ["position"])  # position carries no history


def item_move(*, actor: User, item: Item, offset: int) -> None:
    """Move one child up (-1) or down (+1) the list."""
    order = list(Item.objects.filter(meeting=item.meeting_id).values_list("pk", flat=True))
    at = order.index(item.pk)
    to = max(0, min(len(order) - 1, at + offset))
    order.insert(to, order.pop(at))
    items_order(actor=actor, meeting=item.meeting, item_ids=order)


def next_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(team_id=meeting.team_id, starts_at__gt=meeting.starts_at)
        .order_by("starts_at")
        .first()
    )


def item_carry_over(*, actor: User, item: Item, reason: str) -> Item:
    """Carry a child over to the team's next meeting, with the reason; the question and material go too."""
    refuse_unless(is_chair(actor, item.meeting) or can_list_child(actor, item.patient), CHAIR_ONLY)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", "Say why the child is carried over.", errors)
    if errors:
        raise ValidationError(errors)
    if item.status != Item.Status.LISTED:
        raise ApplicationError.stale(f"This child is already {item.get_status_display().lower()}.")
    target = next_meeting(item.meeting)
    if target is None:
        raise ValidationError({"reason": ["There is no later meeting of this team yet: schedule one first."]})
    if Item.objects.filter(meeting=target, patient=item.patient).exists():
        raise ApplicationError.clash({"patient": ["This child is already on the next meeting's list."]})
    with transaction.atomic(durable=True):
        locked = Item.objects.select_for_update().get(pk=item.pk)
        if locked.status != Item.Status.LISTED:
            raise ApplicationError.stale(f"This child is already {locked.get_status_display().lower()}.")
        last = Item.objects.filter(meeting=target).aggregate(last=Max("position"))["last"] or 0
        carried = Item(
            meeting=target,
            patient=item.patient,
            question=item.question,
            position=last + 1,
            added_by=actor,
            carried_from=locked,
            carry_reason=reason,
        )
        save_with_history(carried, actor=actor)
        carried.scores.set(item.scores.all())
        carried.investigations.set(item.investigations.all())
        carried.relapses.set(item.relapses.all())
        locked.status = Item.Status.CARRIED_OVER
        locked.carry_reason = reason
        save_with_history(locked, actor=actor, update_fields=["status", "carry_reason"])
    return carried


def _outcome_errors(decision: str, agreed_by: list[User], actions: list[ActionSpec]) -> tuple[str, dict]:
    errors: dict[str, list[str]] = {}
    decision = _text(decision, "decision", "Write the decision in words.", errors, 4000)
    if not agreed_by:
        errors["agreed_by"] = ["Name at least one person who agreed the decision."]
    for number, spec in enumerate(actions, start=1):
        if not (spec.description or "").strip():
            errors.setdefault("actions", []).append(f"Action {number}: say what is to be done.")
        if roles.staff_role(spec.owner) is None:
            errors.setdefault("actions", []).append(f"Action {number}: its owner must be a member of staff.")
        if spec.due_on is None or spec.due_on < timezone.localdate():
            errors.setdefault("actions", []).append(f"Action {number}: give a due date from today on.")
    return decision, errors


def _open_tasks(actor: User, outcome: Outcome) -> None:
    """One task per action and one for telling the family; the source keys make a repeat a no-op."""
    item = outcome.item
    patient = item.patient
    link = f"/mdt/items/{item.pk}/"
    for action in outcome.actions.filter(task__isnull=True).select_related("owner"):
        action.task = task_open(
            title=f"MDT action for {patient.full_name}: {action.description}",
            source=Task.Source.MDT_OUTCOME,
            assignee=action.owner,
            patient=patient,
            due_on=action.due_on,
            detail=f"Agreed at {item.meeting}.\n\nDecision: {outcome.decision}",
            source_key=f"mdt-action:{action.pk}",
            link_url=link,
            created_by=actor,
        )
        action.save(update_fields=["task"])
    if outcome.tell_family:
        nurse, queue = named_nurse_or_nursing_queue(patient)
        task_open(
            title=f"Tell the family of {patient.full_name} the MDT outcome",
            source=Task.Source.MDT_OUTCOME,
            assignee=nurse,
            team=queue,
            patient=patient,
            due_on=timezone.localdate() + datetime.timedelta(days=2),
            detail=f"Decision at {item.meeting}:\n{outcome.decision}",
            source_key=f"mdt-tell-family:{outcome.pk}",
            link_url=link,
            created_by=actor,
        )


def outcome_record(
    *,
    actor: User,
    item: Item,
    decision: str,
    agreed_by: list[User],
    actions: list[ActionSpec] | None = None,
    tell_family: bool = False,
) -> Outcome:
    """The chair records what the meeting decided for one child, once."""
    refuse_unless(is_chair(actor, item.meeting), "Only the chair records the meeting's outcome.")
    actions = actions or []
    decision, errors = _outcome_errors(decision, agreed_by, actions)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = Item.objects.select_for_update().select_related("meeting", "patient").get(pk=item.pk)
        if locked.status == Item.Status.CARRIED_OVER:
            raise ApplicationError.stale("This child was carried over to the next meeting; record it there.")
        if Outcome.objects.filter(item=locked).exists():
            raise ApplicationError.stale("The outcome for this child is already recorded: amend it instead.")
        outcome = Outcome(item=locked, decision=decision, tell_family=tell_family, recorded_by=actor)
        save_with_history(outcome, actor=actor)
        outcome.agreed_by.set(agreed_by)
        Action.objects.bulk_create(
            [
                Action(
                    outcome=outcome,
                    description=within(a.description, field="actions", limit=200, label="Action"),
                    owner=a.owner,
                    due_on=a.due_on,
                )
                for a in actions
            ]
        )
        locked.status = Item.Status.DISCUSSED
        save_with_history(locked, actor=actor, update_fields=["status"])
        _open_tasks(actor, outcome)
    return outcome


def outcome_amend(
    *,
    actor: User,
    outcome: Outcome,
    decision: str,
    agreed_by: list[User],
    tell_family: bool,
    new_actions: list[ActionSpec] | None = None,
) -> Outcome:
    """Correct a recorded outcome: the earlier wording stays in its history; new actions add tasks."""
    refuse_unless(is_chair(actor, outcome.item.meeting), "Only the chair amends the meeting's outcome.")
    new_actions = new_actions or []
    decision, errors = _outcome_errors(decision, agreed_by, new_actions)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = (
            Outcome.objects.select_for_update()
            .select_related("item__meeting", "item__patient")
            .get(pk=outcome.pk)
        )
        locked.decision, locked.tell_family, locked.amended_at = decision, tell_family, timezone.now()
        save_with_history(locked, actor=actor, update_fields=["decision", "tell_family", "amended_at"])
        locked.agreed_by.set(agreed_by)
        Action.objects.bulk_create(
            [
                Action(
                    outcome=locked,
                    description=within(a.description, field="actions", limit=200, label="Action"),
                    owner=a.owner,
                    due_on=a.due_on,
                )
                for a in new_actions
            ]
        )
        _open_tasks(actor, locked)
    return locked
