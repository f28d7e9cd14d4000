"""Investigations: requested -> booked -> done -> resulted, or cancelled; results are acknowledged."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from apps.tasks.models import Task
from apps.tasks.services import task_open, tasks_complete_for_sources
from carecoord.errors import refuse_unless

from ..models import Investigation
from ._common import check_transition, not_in_future

Status = Investigation.Status

INVESTIGATION_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.BOOKED, Status.DONE, Status.CANCELLED}),
    Status.BOOKED: frozenset({Status.DONE, Status.CANCELLED, Status.BOOKED}),
    Status.DONE: frozenset({Status.RESULTED}),
    Status.RESULTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def acknowledge_task_key(investigation: Investigation) -> str:
    return f"investigation:{investigation.pk}:acknowledge"


def investigation_request(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    description: str = "",
    requested_on: datetime.date | None = None,
) -> Investigation:
    refuse_unless(roles.can_manage_investigations(actor), "Your role cannot request investigations.")
    if kind not in Investigation.Kind.values:
        raise ValidationError({"kind": "Choose the type of investigation."})
    if kind == Investigation.Kind.OTHER and not description.strip():
        raise ValidationError({"description": "Say what the investigation is."})
    not_in_future(requested_on, "requested_on", "request date")
    with transaction.atomic(durable=True):
        investigation = Investigation(
            patient=patient,
            kind=kind,
            description=description.strip()[:200],
            requested_by=actor,
            requested_on=requested_on or timezone.localdate(),
        )
        investigation._history_user = actor  # type: ignore[attr-defined]
        investigation.save()
    return investigation


def _advance(*, actor: User, investigation: Investigation, steps: list[tuple[str, dict]]) -> Investigation:
    """Apply one or more transitions to the locked row in one transaction, each checked against the table."""
    refuse_unless(roles.can_manage_investigations(actor), "Your role cannot update investigations.")
    with transaction.atomic(durable=True):
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        changed = {"status"}
        for to, fields in steps:
            check_transition(INVESTIGATION_TRANSITIONS, locked.status, to, f"This {locked.label}")
            locked.status = to
            for field, value in fields.items():
                setattr(locked, field, value)
            changed.update(fields)
        locked._history_user = actor  # type: ignore[attr-defined]
        locked.save(update_fields=sorted(changed))
    return locked


def investigation_book(
    *, actor: User, investigation: Investigation, booked_for: datetime.date
) -> Investigation:
    if booked_for is None:
        raise ValidationError({"booked_for": "Enter the booked date."})
    return _advance(
        actor=actor, investigation=investigation, steps=[(Status.BOOKED, {"booked_for": booked_for})]
    )


def investigation_mark_done(
    *, actor: User, investigation: Investigation, done_on: datetime.date
) -> Investigation:
    not_in_future(done_on, "done_on", "date done")
    return _advance(actor=actor, investigation=investigation, steps=[(Status.DONE, {"done_on": done_on})])


def investigation_record_result(
    *,
    actor: User,
    investigation: Investigation,
    result_summary: str,
    abnormal: bool,
    done_on: datetime.date | None = None,
) -> Investigation:
    """Record the result. From requested or booked it is marked done first, in the same transaction."""
    if not (result_summary or "").strip():
        raise ValidationError({"result_summary": "Enter a summary of the result."})
    not_in_future(done_on, "done_on", "date done")
    steps: list[tuple[str, dict]] = []
    if investigation.status in (Status.REQUESTED, Status.BOOKED):
        steps.append((Status.DONE, {"done_on": done_on or timezone.localdate()}))
    steps.append(
        (
            Status.RESULTED,
            {"result_summary": result_summary.strip(), "abnormal": abnormal, "resulted_at": timezone.now()},
        )
    )
    return _advance(actor=actor, investigation=investigation, steps=steps)


def investigation_cancel(*, actor: User, investigation: Investigation, reason: str) -> Investigation:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    steps: list[tuple[str, dict]] = [(Status.CANCELLED, {"cancel_reason": reason.strip()[:300]})]
    return _advance(actor=actor, investigation=investigation, steps=steps)


def investigation_acknowledge(*, actor: User, investigation: Investigation) -> Investigation:
    """A clinician confirms they have seen and acted on the result."""
    refuse_unless(roles.can_manage_investigations(actor), "Your role cannot acknowledge results.")
    with transaction.atomic(durable=True):
        updated = Investigation.objects.filter(
            pk=investigation.pk, status=Status.RESULTED, acknowledged_at__isnull=True
        ).update(acknowledged_by=actor, acknowledged_at=timezone.now())
        if not updated:
            raise ValidationError("There is no result to acknowledge, or it was acknowledged already.")
        tasks_complete_for_sources(source_keys=[acknowledge_task_key(investigation)], actor=actor)
    investigation.refresh_from_db()
    return investigation


def investigations_flag_unacknowledged(*, now: datetime.datetime | None = None) -> int:
    """Beat job: escalate results left unacknowledged past the configured number of days.

    Set-based and idempotent: each result is claimed once by setting acknowledgement_overdue_at,
    and the task has a unique source key. The requester gets the task (and its notification).
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS)
    due = Investigation.objects.filter(
        status=Status.RESULTED,
        acknowledged_at__isnull=True,
        acknowledgement_overdue_at__isnull=True,
        resulted_at__lte=cutoff,
    ).select_related("requested_by", "patient")
    flagged = 0
    for investigation in due[:500]:
        with transaction.atomic():
            claimed = Investigation.objects.filter(
                pk=investigation.pk, acknowledgement_overdue_at__isnull=True
            ).update(acknowledgement_overdue_at=now)
            if not claimed:
                continue
            task_open(
                title=f"Acknowledge the {investigation.label} result",
                source=Task.Source.INVESTIGATION_RESULT,
                assignee=investigation.requested_by,
                patient=investigation.patient,
                due_on=timezone.localdate(now),
                priority=Task.Priority.HIGH,
                source_key=acknowledge_task_key(investigation),
                link_url=f"/patients/{investigation.patient_id}/pathway/#investigation-{investigation.pk}",
            )
            flagged += 1
    return flagged
