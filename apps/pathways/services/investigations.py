"""Investigations: requested -> booked -> done -> resulted, or cancelled; results are acknowledged.

Every step writes an InvestigationEvent through the one ``INVESTIGATION`` table (the request writes
the first). Acknowledging is a step of its own that leaves the status at resulted.
"""

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from apps.tasks.models import Task
from apps.tasks.services import tasks_complete_for_sources, tasks_open_bulk
from apps.workingtime.working_time import add_working_days, holidays_between
from carecoord.attention import patient_attention_changed
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history, update_with_history
from carecoord.limits import within
from carecoord.transitions import Transitions

from ..models import Investigation, InvestigationEvent
from ._common import MOVE_REFUSED, not_in_future

logger = logging.getLogger(__name__)

Status = Investigation.Status
ACKNOWLEDGED = InvestigationEvent.ACKNOWLEDGED


def _event(
    investigation: Investigation, before: str, after: str, actor: User, note: str
) -> InvestigationEvent:
    return InvestigationEvent(
        investigation=investigation, from_status=before, to_status=after, actor=actor, note=note[:300]
    )


INVESTIGATION = Transitions(
    "investigation",
    {
        Status.REQUESTED: {Status.BOOKED, Status.DONE, Status.CANCELLED},
        Status.BOOKED: {Status.DONE, Status.CANCELLED, Status.BOOKED},  # a booking may be moved
        Status.DONE: {Status.RESULTED},
        Status.RESULTED: set(),
        Status.CANCELLED: set(),
    },
    label=lambda state: Status(state).label,
    event=_event,
    illegal=MOVE_REFUSED,
    subject=lambda investigation: f"This {investigation.label}",
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)
# The table itself, read by status (as the tests and the track callers do).
INVESTIGATION_TRANSITIONS = INVESTIGATION.table

# One move: (to, fields to set, note on the event).
Step = tuple[str, dict[str, Any], str]


def acknowledge_task_key(investigation: Investigation) -> str:
    return f"investigation:{investigation.pk}:acknowledge"


def result_path(status: str) -> list[str] | None:
    """The moves that record a result from ``status``: straight to resulted, or by way of done.

    None when no result can be recorded from there (what the page asks before offering it).
    """
    if INVESTIGATION.can(status, Status.RESULTED):
        return [Status.RESULTED]
    if INVESTIGATION.can(status, Status.DONE) and INVESTIGATION.can(Status.DONE, Status.RESULTED):
        return [Status.DONE, Status.RESULTED]
    return None


def investigation_steps(status: str) -> frozenset[str]:
    """The moves the page offers on an investigation: the table's, less resulted (the result form's)."""
    return INVESTIGATION.allowed_from(status) - {Status.RESULTED}


def investigation_step(
    *,
    actor: User,
    investigation: Investigation,
    to_status: str,
    booked_for: datetime.date | None = None,
    done_on: datetime.date | None = None,
    reason: str = "",
) -> Investigation:
    """One step chosen on the page: book (or move the booking), mark done, or cancel."""
    if to_status == Status.BOOKED:
        if booked_for is None:
            raise ValidationError({"booked_for": "Enter the booked date."})
        return investigation_book(actor=actor, investigation=investigation, booked_for=booked_for)
    if to_status == Status.DONE:
        if done_on is None:
            raise ValidationError({"done_on": "Enter the date it was done."})
        return investigation_mark_done(actor=actor, investigation=investigation, done_on=done_on)
    if to_status == Status.CANCELLED:
        return investigation_cancel(actor=actor, investigation=investigation, reason=reason)
    raise ValidationError({"to_status": "Choose the next step."})


def acknowledgement_due(investigation: Investigation) -> bool:
    """A result nobody has acknowledged yet."""
    return investigation.status == Status.RESULTED and investigation.acknowledged_at is None


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
            description=within(description, field="description", limit=200, label="Details"),
            requested_by=actor,
            requested_on=requested_on or timezone.localdate(),
        )
        INVESTIGATION.create(investigation, actor=actor)
    return investigation


def _advance(
    *, actor: User, investigation: Investigation, steps: Callable[[Investigation], list[Step]]
) -> Investigation:
    """Apply one or more moves to the locked row, each checked and recorded, saved as one change."""
    refuse_unless(roles.can_manage_investigations(actor), "Your role cannot update investigations.")
    with transaction.atomic(durable=True):
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        changed: set[str] = set()
        for to, fields, note in steps(locked):
            changed.update(INVESTIGATION.apply(locked, to, actor=actor, note=note, **fields))
        save_with_history(locked, actor=actor, update_fields=sorted(changed))
        patient_attention_changed([locked.patient_id])  # apply() leaves the save, and so the hook, to us
    return locked


def investigation_book(
    *, actor: User, investigation: Investigation, booked_for: datetime.date
) -> Investigation:
    if booked_for is None:
        raise ValidationError({"booked_for": "Enter the booked date."})
    step: Step = (Status.BOOKED, {"booked_for": booked_for}, f"for {booked_for:%d %b %Y}")
    return _advance(actor=actor, investigation=investigation, steps=lambda _: [step])


def investigation_mark_done(
    *, actor: User, investigation: Investigation, done_on: datetime.date
) -> Investigation:
    not_in_future(done_on, "done_on", "date done")
    step: Step = (Status.DONE, {"done_on": done_on}, "")
    return _advance(actor=actor, investigation=investigation, steps=lambda _: [step])


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
    result = {"result_summary": result_summary.strip(), "abnormal": abnormal, "resulted_at": timezone.now()}

    def steps(locked: Investigation) -> list[Step]:
        # No path: try the direct move, so the table's refusal names where the investigation stands.
        path = result_path(locked.status) or [Status.RESULTED]
        done: Step = (Status.DONE, {"done_on": done_on or timezone.localdate()}, "")
        return [done if to == Status.DONE else (to, result, "") for to in path]

    return _advance(actor=actor, investigation=investigation, steps=steps)


def investigation_cancel(*, actor: User, investigation: Investigation, reason: str) -> Investigation:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for cancelling."})
    cancel_reason = within(reason, field="reason", limit=300, label="Reason")
    step: Step = (Status.CANCELLED, {"cancel_reason": cancel_reason}, cancel_reason)
    return _advance(actor=actor, investigation=investigation, steps=lambda _: [step])


def investigation_acknowledge(*, actor: User, investigation: Investigation) -> Investigation:
    """A clinician confirms they have seen and acted on the result (a step; the status stays resulted)."""
    refuse_unless(roles.can_manage_investigations(actor), "Your role cannot acknowledge results.")
    with transaction.atomic(durable=True):
        locked = Investigation.objects.select_for_update().get(pk=investigation.pk)
        if not acknowledgement_due(locked):
            raise ValidationError("There is no result to acknowledge, or it was acknowledged already.")
        _event(locked, locked.status, ACKNOWLEDGED, actor, "").save()
        locked.acknowledged_by, locked.acknowledged_at = actor, timezone.now()
        save_with_history(locked, actor=actor, update_fields=["acknowledged_by", "acknowledged_at"])
        tasks_complete_for_sources(source_keys=[acknowledge_task_key(locked)], actor=actor)
        patient_attention_changed([locked.patient_id])
    return locked


OVERDUE_BATCH = 500  # results claimed per transaction; the run goes on until none are left


def investigations_flag_unacknowledged(*, now: datetime.datetime | None = None) -> int:
    """Beat job: escalate results left unacknowledged past the configured number of days.

    Set-based and idempotent: each batch is locked with ``FOR UPDATE SKIP LOCKED``, claimed by setting
    acknowledgement_overdue_at (with history, in bulk) and given its tasks in bulk on unique source
    keys. The requester gets the task (and its notification). No cap: it works through every batch.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.RESULT_ACKNOWLEDGE_DAYS)
    # An abnormal result waits ABNORMAL_RESULT_ACKNOWLEDGE_WORKING_DAYS (1), not the same days (HAZ-07).
    abnormal_cutoff = latest_due_start(now, settings.ABNORMAL_RESULT_ACKNOWLEDGE_WORKING_DAYS)
    due = Investigation.objects.filter(
        Q(resulted_at__lte=cutoff) | Q(abnormal=True, resulted_at__lte=abnormal_cutoff),
        status=Status.RESULTED,
        acknowledged_at__isnull=True,
        acknowledgement_overdue_at__isnull=True,
    )
    flagged = batches = 0
    while batch := _flag_batch(due, now):
        flagged += batch
        batches += 1
    if batches > 1:
        logger.info("Unacknowledged results: %s flagged in %s batches", flagged, batches)
    return flagged


def latest_due_start(now: datetime.datetime, working_days: int) -> datetime.datetime:
    """The latest start from which ``working_days`` working days have passed by ``now`` (add_working_days
    rules: a start out of hours on a non-working day counts from the next one), to the microsecond.

    add_working_days only moves forward as its start does, so a binary search over the last weeks finds it
    (one bank-holiday query for the whole search).
    """
    low = now - datetime.timedelta(days=working_days * 2 + 21)
    holidays = holidays_between(timezone.localdate(low), timezone.localdate(now))
    high = now
    if add_working_days(low, working_days, holidays=holidays) > now:
        return low
    while high - low > datetime.timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if add_working_days(middle, working_days, holidays=holidays) <= now:
            low = middle
        else:
            high = middle
    return high if add_working_days(high, working_days, holidays=holidays) <= now else low


def _flag_batch(due: QuerySet[Investigation], now: datetime.datetime) -> int:
    """Claim up to one batch of overdue results (rows another run holds are skipped) and open their tasks."""
    with transaction.atomic():
        locked = list(
            due.order_by("resulted_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("requested_by", "patient")[:OVERDUE_BATCH]
        )
        if not locked:
            return 0
        claimed = Investigation.objects.filter(pk__in=[i.pk for i in locked])
        update_with_history(claimed, actor=None, acknowledgement_overdue_at=now)
        tasks_open_bulk(
            [
                {
                    "title": f"Acknowledge the {'abnormal ' if investigation.abnormal else ''}{investigation.label} result",
                    "source": Task.Source.INVESTIGATION_RESULT,
                    "assignee": investigation.requested_by,
                    "patient": investigation.patient,
                    "due_on": timezone.localdate(now),
                    "priority": Task.Priority.HIGH,
                    "source_key": acknowledge_task_key(investigation),
                    "link_url": f"/patients/{investigation.patient_id}/pathway/#investigation-{investigation.pk}",
                }
                for investigation in locked
            ]
        )
    return len(locked)
