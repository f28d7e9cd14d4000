"""Writes for watch periods: a trigger opens or extends the child's one open watch; staff open one by
hand, extend it or end it early, with a reason. Every change writes a ``WatchEvent`` and tells the
caseload (``patient_attention_changed``) in the same transaction.

``watch_trigger`` runs inside the caller's transaction (a course's wean, a diary entry). The staff
services are top-level (durable) and refuse a role with 403: only a nurse specialist or consultant
who looks after the child (``caseload_patients``) changes a watch; a break-glass reader only reads.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import StaffProfile, User
from apps.patients import access
from apps.patients.models import Patient
from carecoord.attention import patient_attention_changed
from carecoord.clock import LONDON
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.limits import within

from .models import TriggerKind, WatchEvent, WatchPeriod

logger = logging.getLogger(__name__)

Status = WatchPeriod.Status
Kind = WatchEvent.Kind
MANAGERS = frozenset({StaffProfile.Role.NURSE_SPECIALIST, StaffProfile.Role.CONSULTANT})
MANAGERS_ONLY = "Only a nurse specialist or consultant on the child's care team can change a watch."
STAFF_TRIGGER = "staff"
MOST_DAYS = 90  # a watch is set for days or weeks; longer is a typing slip
REASON_MAX = 300


def watch_today() -> datetime.date:
    return timezone.localdate(timezone=LONDON)


def can_manage_watch(user: User, patient: Patient) -> bool:
    return (
        roles.staff_role(user) in MANAGERS and access.caseload_patients(user).filter(pk=patient.pk).exists()
    )


def _locked_open(patient: Patient, today: datetime.date) -> WatchPeriod | None:
    """The child's open watch, locked; one whose last day has passed is closed first (it ran out)."""
    watch = WatchPeriod.objects.select_for_update().filter(patient=patient, status=Status.OPEN).first()
    if watch is not None and watch.ends_on < today:
        watch.status, watch.ended_on = Status.ENDED, watch.ends_on + datetime.timedelta(days=1)
        watch.save(update_fields=["status", "ended_on"])
        WatchEvent.objects.create(
            watch=watch, kind=Kind.RAN_OUT, reason="Ran its course", to_ends_on=watch.ends_on
        )
        return None
    return watch


def _open(
    patient: Patient, kind: TriggerKind, reason: str, start: datetime.date, days: int, actor: User | None
) -> WatchPeriod:
    ends_on = start + datetime.timedelta(days=days - 1)
    watch = WatchPeriod.objects.create(
        patient=patient,
        trigger=kind,
        reason=reason[:200],
        starts_on=start,
        ends_on=ends_on,
        opened_by=actor,
    )
    WatchEvent.objects.create(
        watch=watch, kind=Kind.OPENED, trigger=kind, actor=actor, reason=reason, to_ends_on=ends_on
    )
    return watch


def _extend_to(
    watch: WatchPeriod, ends_on: datetime.date, kind: TriggerKind | None, actor: User | None, reason: str
) -> WatchPeriod:
    """Move the end later (never earlier); the event is written either way, so the history shows
    every trigger, including one that fell inside the watch already running."""
    before = watch.ends_on
    fields = []
    if ends_on > before:
        watch.ends_on = ends_on
        fields.append("ends_on")
    if kind is not None and reason not in watch.reason:
        watch.reason = f"{watch.reason}; {reason}"[:200]
        fields.append("reason")
    if fields:
        watch.save(update_fields=fields)
    WatchEvent.objects.create(
        watch=watch,
        kind=Kind.EXTENDED,
        trigger=kind,
        actor=actor,
        reason=reason if ends_on > before else f"{reason} (the watch already ran to this date)",
        from_ends_on=before,
        to_ends_on=watch.ends_on,
    )
    return watch


def watch_trigger(
    *,
    patient: Patient,
    code: str,
    detail: str = "",
    actor: User | None = None,
    on: datetime.date | None = None,
) -> WatchPeriod | None:
    """A relapse trigger for this child on ``on`` (default today), in the caller's transaction: open a
    watch for the trigger's days from then, or extend the open one to cover them. None when no
    trigger of that kind is configured, or when the watch it would give is already over (a wean
    recorded months after it began)."""
    kind = TriggerKind.objects.filter(code=code).first()
    if kind is None:
        logger.warning("Watch: no trigger kind %r is configured; no watch for child %s", code, patient.pk)
        return None
    today = watch_today()
    start = min(on or today, today)
    ends_on = start + datetime.timedelta(days=kind.days - 1)
    if ends_on < today:
        return None
    reason = kind.reason.format(detail=detail).strip()
    # Two triggers at once (a wean while the family saves a fever) take turns on the child's row, so
    # the second extends the first's watch instead of clashing on the one-open-watch key.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    watch = _locked_open(patient, today)
    if watch is None:
        watch = _open(patient, kind, reason, start, kind.days, actor)
    else:
        watch = _extend_to(watch, ends_on, kind, actor, reason)
    patient_attention_changed([patient.pk])
    return watch


def _days(days: int | None) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MOST_DAYS:
        raise ValidationError({"days": f"Enter a number of days from 1 to {MOST_DAYS}."})
    return days


def _reason(reason: str) -> str:
    text = within(reason, field="reason", limit=REASON_MAX, label="Reason")
    if not text:
        raise ValidationError({"reason": "Say why, in a few words."})
    return text


def watch_open(*, actor: User, patient: Patient, days: int, reason: str) -> WatchPeriod:
    """Staff open a watch by hand (a trigger the system cannot see, such as a sibling's chickenpox)."""
    refuse_unless(can_manage_watch(actor, patient), MANAGERS_ONLY)
    days, reason = _days(days), _reason(reason)
    kind = TriggerKind.objects.filter(code=STAFF_TRIGGER).first()
    if kind is None:
        raise ApplicationError(
            "Watches opened by staff are not set up (trigger 'staff').", code="not_configured"
        )
    with transaction.atomic(durable=True):
        today = watch_today()
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if _locked_open(patient, today) is not None:
            raise ApplicationError.stale("A watch is already open for this child: extend it instead.")
        watch = _open(patient, kind, reason, today, days, actor)
        patient_attention_changed([patient.pk])
    return watch


def _locked_current(watch: WatchPeriod) -> WatchPeriod:
    """The watch, locked, if it is still the child's open one (inside the caller's transaction)."""
    current = _locked_open(watch.patient, watch_today())
    if current is None or current.pk != watch.pk:
        raise ApplicationError.stale("This watch has already ended.")
    return current


def watch_extend(*, actor: User, watch: WatchPeriod, days: int, reason: str) -> WatchPeriod:
    """Staff extend the open watch by ``days`` past its current last day."""
    refuse_unless(can_manage_watch(actor, watch.patient), MANAGERS_ONLY)
    days, reason = _days(days), _reason(reason)
    with transaction.atomic(durable=True):
        current = _locked_current(watch)
        _extend_to(current, current.ends_on + datetime.timedelta(days=days), None, actor, reason)
        patient_attention_changed([current.patient_id])
    return current


def watch_end(*, actor: User, watch: WatchPeriod, reason: str) -> WatchPeriod:
    """Staff end the open watch early, from today."""
    refuse_unless(can_manage_watch(actor, watch.patient), MANAGERS_ONLY)
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        current = _locked_current(watch)
        current.status, current.ended_on = Status.ENDED, watch_today()
        current.save(update_fields=["status", "ended_on"])
        WatchEvent.objects.create(
            watch=current, kind=Kind.ENDED, actor=actor, reason=reason, from_ends_on=current.ends_on
        )
        patient_attention_changed([current.patient_id])
    return current
