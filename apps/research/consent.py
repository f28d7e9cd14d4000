"""Consent: who may record it, recording a decision, withdrawing it, and which children consent now.

The latest consent recorded for a child and scope is the one that counts; the earlier ones are its
history. A child is in an export for a scope when that latest consent is a permit, its period covers
the day, and it has not been withdrawn. Scope (404) is the caller's: the child comes from
``visible_patients`` first. Recording and withdrawing are a nurse specialist's or consultant's on the
child's care team (or caseload); anyone else who can see the child reads, and is refused a change (403).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import StaffProfile, User
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Guardian, Patient
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.limits import within

from .models import Consent, ConsentScope

Role = StaffProfile.Role
CONSENT_ROLES = frozenset({Role.NURSE_SPECIALIST, Role.CONSULTANT})
CONSENT_REFUSAL = (
    "Only a nurse specialist or consultant on this child's care team can record or withdraw consent."
)
REASON_LIMIT = 300


def can_record_consent(user: AnyUser, patient: Patient) -> bool:
    return (
        roles.staff_role(user) in CONSENT_ROLES
        and access.caseload_patients(user).filter(pk=patient.pk).exists()
    )


def consents_of(patient: Patient) -> QuerySet[Consent]:
    """Every consent recorded for the child, newest first, with what the page shows."""
    return Consent.objects.filter(patient=patient).select_related(
        "scope", "recorded_by", "withdrawn_by", "guardian__user"
    )


def current_consents(consents: list[Consent]) -> list[Consent]:
    """The latest consent per scope (the one that counts), from a list ordered newest first."""
    seen: set[int] = set()
    current = []
    for consent in consents:
        if consent.scope_id not in seen:
            seen.add(consent.scope_id)
            current.append(consent)
    return current


def is_in_force(consent: Consent, day: datetime.date) -> bool:
    return (
        consent.decision == Consent.Decision.PERMIT
        and consent.withdrawn_on is None
        and consent.period_start <= day
        and (consent.period_end is None or consent.period_end >= day)
    )


def consented_patient_ids(scope: ConsentScope, day: datetime.date) -> list[int]:
    """The children whose latest consent for ``scope`` is a permit in force on ``day``."""
    latest = (
        Consent.objects.filter(patient=OuterRef("patient"), scope=scope)
        .order_by("-recorded_at", "-id")
        .values("pk")[:1]
    )
    in_force = Consent.objects.filter(
        scope=scope,
        pk=Subquery(latest),
        decision=Consent.Decision.PERMIT,
        withdrawn_on__isnull=True,
        period_start__lte=day,
    ).filter(Q(period_end__isnull=True) | Q(period_end__gte=day))
    return sorted(in_force.values_list("patient_id", flat=True))


def consent_record(
    *,
    actor: User,
    patient: Patient,
    scope: ConsentScope,
    decision: str,
    period_start: datetime.date,
    period_end: datetime.date | None,
    consenter: str,
    verification: str,
    guardian: Guardian | None = None,
) -> Consent:
    """Record a decision; it becomes the one that counts for this scope (earlier ones stay)."""
    refuse_unless(can_record_consent(actor, patient), CONSENT_REFUSAL)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not scope.is_active:
        errors["scope"] = ["This registry or study is no longer taking consent. Choose another."]
    if decision not in Consent.Decision.values:
        errors["decision"] = ["Choose whether they agreed or declined."]
    if consenter not in Consent.Consenter.values:
        errors["consenter"] = ["Say who gave the decision: a parent or guardian, or the young person."]
    if verification not in Consent.Verification.values:
        errors["verification"] = ["Say how the decision was checked."]
    if period_start > today:
        errors["period_start"] = ["The start date cannot be in the future. Record consent once it is given."]
    if period_end is not None and period_end < period_start:
        errors["period_end"] = ["The end date cannot be before the start date."]
    if consenter == Consent.Consenter.GUARDIAN:
        if guardian is None or guardian.patient_id != patient.pk or not guardian.is_active:
            errors["guardian"] = ["Choose which of this child's guardians gave the decision."]
    else:
        guardian = None
    if verification == Consent.Verification.PORTAL_GUARDIAN and not (
        guardian is not None and guardian.has_parental_responsibility
    ):
        errors["verification"] = [
            "A decision given on the portal must come from a guardian with parental responsibility."
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        return Consent.objects.create(
            patient=patient,
            scope=scope,
            decision=decision,
            period_start=period_start,
            period_end=period_end,
            consenter=consenter,
            guardian=guardian,
            verification=verification,
            recorded_by=actor,
        )


def consent_withdraw(
    *, actor: User, consent: Consent, withdrawn_on: datetime.date, reason: str = ""
) -> Consent:
    """Record that a permit was withdrawn: no later export includes the child for this scope."""
    refuse_unless(can_record_consent(actor, consent.patient), CONSENT_REFUSAL)
    reason = within(reason, field="reason", limit=REASON_LIMIT, label="Reason")
    errors: dict[str, list[str]] = {}
    if withdrawn_on > timezone.localdate():
        errors["withdrawn_on"] = ["The withdrawal date cannot be in the future."]
    elif withdrawn_on < consent.period_start:
        errors["withdrawn_on"] = ["The withdrawal date cannot be before the consent started."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.decision != Consent.Decision.PERMIT:
            raise ApplicationError.illegal_transition(
                "Only an agreement can be withdrawn; this was declined."
            )
        if locked.withdrawn_on is not None:
            raise ApplicationError.stale("This consent has already been withdrawn.")
        locked.withdrawn_on = withdrawn_on
        locked.withdrawn_by = actor
        locked.withdrawn_at = timezone.now()
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    return locked
