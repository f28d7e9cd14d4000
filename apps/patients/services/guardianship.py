"""The legal basis of a guardian's access (HAZ-10 in docs/safety/hazard-log.md).

A link gives access through parental responsibility, through access authorised by someone with it
(who, when, why), or because it is the young person's own account. Losing parental responsibility
without an authorisation ends access at once, the same way deactivation does. From 16 the young
person's own consent is recorded, or the family's access ends.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import system_user
from carecoord.limits import within

from .. import access
from ..models import Guardian, sixteenth_birthday_cutoff
from .legal_basis import NO_BASIS, NO_CONSENT, clean_authorisation
from .records import _save_checked, revoke_pending_invitations


def _end(guardian: Guardian, *, actor: User, reason: str) -> None:
    """Inside the caller's transaction: end the link exactly as deactivation does."""
    guardian.is_active = False
    guardian.deactivated_at = timezone.now()
    guardian.ended_reason = within(reason, field="reason", limit=200, label="Reason")
    _save_checked(guardian, actor=actor, update_fields=["is_active", "deactivated_at", "ended_reason"])
    revoke_pending_invitations(patient=guardian.patient, email=guardian.user.email)


def guardian_set_parental_responsibility(
    *,
    actor: User,
    guardian: Guardian,
    has_parental_responsibility: bool,
    authorised_by_name: str = "",
    authorised_on: datetime.date | None = None,
    authorisation_reason: str = "",
) -> Guardian:
    """Record a change in parental responsibility. Losing it with no authorisation (given now, or
    recorded before) ends portal access at once."""
    if not access.can_manage_guardians(actor, guardian.patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    if guardian.relationship == Guardian.Relationship.SELF:
        raise ValidationError(
            "This is the young person's own account: parental responsibility does not apply."
        )
    given = bool((authorised_by_name or "").strip() or authorised_on or (authorisation_reason or "").strip())
    authorisation: dict[str, object] = {}
    if not has_parental_responsibility and given:
        authorisation = clean_authorisation(
            relationship=guardian.relationship,
            has_parental_responsibility=False,
            authorised_by_name=authorised_by_name,
            authorised_on=authorised_on,
            authorisation_reason=authorisation_reason,
        )
    with transaction.atomic(durable=True):
        locked = Guardian.objects.select_for_update().select_related("patient", "user").get(pk=guardian.pk)
        locked.has_parental_responsibility = has_parental_responsibility
        fields = ["has_parental_responsibility"]
        if authorisation:
            for name, value in authorisation.items():
                setattr(locked, name, value)
            locked.authorisation_recorded_by = actor
            fields += [*authorisation, "authorisation_recorded_by"]
        _save_checked(locked, actor=actor, update_fields=fields)
        if not has_parental_responsibility and locked.authorised_on is None and locked.is_active:
            _end(locked, actor=actor, reason=NO_BASIS)
    return locked


def guardian_record_young_person_consent(
    *, actor: User, guardian: Guardian, consent_on: datetime.date | None = None
) -> Guardian:
    """Record the young person's consent to this family member's access (needed from 16).

    A link that ended only for want of this consent starts again.
    """
    if not access.can_manage_guardians(actor, guardian.patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    consent_on = consent_on or timezone.localdate()
    if consent_on > timezone.localdate():
        raise ValidationError({"consent_on": "The date of consent cannot be in the future."})
    if guardian.relationship == Guardian.Relationship.SELF:
        raise ValidationError("This is the young person's own account.")
    with transaction.atomic(durable=True):
        locked = Guardian.objects.select_for_update().get(pk=guardian.pk)
        locked.young_person_consent_on = consent_on
        locked.young_person_consent_recorded_by = actor
        fields = ["young_person_consent_on", "young_person_consent_recorded_by"]
        if not locked.is_active and locked.ended_reason == NO_CONSENT:
            locked.is_active, locked.deactivated_at, locked.ended_reason = True, None, ""
            fields += ["is_active", "deactivated_at", "ended_reason"]
        _save_checked(locked, actor=actor, update_fields=fields)
    return locked


def guardians_end_without_consent(*, today: datetime.date | None = None) -> int:
    """Daily job: from 16, a family member's link without the young person's consent ends, as deactivation
    does (pages and API already refuse it through ``visible_patients``; this ends emails and the session)."""
    cutoff = sixteenth_birthday_cutoff(today)
    due = (
        Guardian.objects.filter(
            is_active=True, young_person_consent_on__isnull=True, patient__date_of_birth__lte=cutoff
        )
        .exclude(relationship=Guardian.Relationship.SELF)
        .select_related("patient", "user")
    )
    ended, actor = 0, system_user()
    for guardian in due:
        with transaction.atomic():
            locked = (
                Guardian.objects.select_for_update()
                .filter(pk=guardian.pk, is_active=True, young_person_consent_on__isnull=True)
                .select_related("patient", "user")
                .first()
            )
            if locked is None:
                continue
            _end(locked, actor=actor, reason=NO_CONSENT)
            ended += 1
    return ended
