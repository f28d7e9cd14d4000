"""Audit writes: record reads of a child's record, and open or review break-glass access."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User

from .models import AccessEvent, BreakGlassGrant
from .selectors import break_glass_patient_ids

# Patients are passed as model instances (patients.Patient): audit sits below patients and does not
# import it.


def _channel_for(path: str) -> str:
    if path.startswith("/api/"):
        return AccessEvent.Channel.API
    if path.startswith("/fhir/"):
        return AccessEvent.Channel.FHIR
    return AccessEvent.Channel.PAGE


def access_record(
    *,
    request: HttpRequest,
    patients: Iterable[Model] | Model,
    what: str,
    channel: str | None = None,
    user: User | None = None,
) -> None:
    """Log that ``request.user`` read ``what`` of each patient: once per request, patient and what.

    Break-glass reads are flagged so that a review can find them.
    """
    reader = user or request.user  # a calendar feed has no login: its owner is the reader
    if not isinstance(reader, User) or not reader.is_active:
        return
    if isinstance(patients, Model):
        patients = [patients]
    django_request = getattr(request, "_request", request)  # DRF wraps the HttpRequest
    seen: set[tuple[int, str]] = getattr(django_request, "_audited_reads", set())
    fresh = [p for p in patients if (p.pk, what) not in seen]
    if not fresh:
        return
    via_glass = break_glass_patient_ids(reader, [p.pk for p in fresh])
    channel = channel or _channel_for(request.path)
    request_id = getattr(django_request, "request_id", "")
    now = timezone.now()
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user=reader,
                patient_id=p.pk,
                what=what,
                channel=channel,
                path=request.path[:300],
                request_id=request_id,
                via_break_glass=p.pk in via_glass,
                at=now,
            )
            for p in fresh
        ]
    )
    seen.update((p.pk, what) for p in fresh)
    django_request._audited_reads = seen  # type: ignore[union-attr]


def break_glass_open(*, actor: User, patient: Model, reason: str) -> BreakGlassGrant:
    """Grant ``actor`` time-limited access to a child outside their care team, with a reason."""
    if not roles.can_break_glass(actor):
        raise PermissionDenied("Only clinical staff can open a record with break-glass access.")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why you need this record (at least 10 characters)."})
    now = timezone.now()
    with transaction.atomic(durable=True):
        live = BreakGlassGrant.objects.filter(user=actor, patient_id=patient.pk, expires_at__gt=now).first()
        if live is not None:
            return live
        return BreakGlassGrant.objects.create(
            user=actor,
            patient_id=patient.pk,
            reason=reason,
            created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS),
        )


def break_glass_review(*, actor: User, grant: BreakGlassGrant, note: str) -> BreakGlassGrant:
    """A clinic administrator records that a grant was reviewed."""
    if not roles.can_review_break_glass(actor):
        raise PermissionDenied("Only a clinic administrator can review break-glass access.")
    if grant.user_id == actor.pk:
        raise PermissionDenied("You cannot review your own break-glass access.")
    with transaction.atomic(durable=True):
        updated = BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            reviewed_by=actor, reviewed_at=timezone.now(), review_note=(note or "").strip()
        )
        if not updated:
            raise ValidationError("This break-glass access has already been reviewed.")
    grant.refresh_from_db()
    return grant
