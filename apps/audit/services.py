"""Audit writes: record reads of a child's record, and open or review break-glass access."""

import datetime
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from carecoord import patient_scope

from .models import AccessEvent, BreakGlassGrant

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
    basis: str | None = None,
) -> None:
    """Log that ``request.user`` read ``what`` of each patient: once per request, patient and what.

    Each row records the basis of access (one query for the batch); break-glass reads are also
    flagged so that a review can find them. ``basis`` names it for a read outside
    ``visible_patients`` (the records team working the identity queue, say).
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
    bases = patient_scope.access_bases(reader, [p.pk for p in fresh])
    fallback = basis or AccessEvent.Basis.UNKNOWN
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
                via_break_glass=bases.get(p.pk) == AccessEvent.Basis.BREAK_GLASS,
                basis=bases.get(p.pk, fallback),
                at=now,
            )
            for p in fresh
        ]
    )
    seen.update((p.pk, what) for p in fresh)
    django_request._audited_reads = seen  # type: ignore[union-attr]


REASON_MIN_WORDS = 3
REASON_MIN_CHARS = 20
_REASON_HELP = (
    f"Say in a sentence why you need this record (at least {REASON_MIN_WORDS} words, "
    f"{REASON_MIN_CHARS} characters)."
)


def _reason_problem(reason: str) -> str:
    """Why a break-glass reason is not a real sentence, or "": a few words, some letters, not one
    character repeated."""
    words = [w for w in re.split(r"\s+", reason) if re.search(r"[^\W\d_]{2,}", w)]
    letters = {c.lower() for c in reason if c.isalpha()}
    if len(reason) < REASON_MIN_CHARS or len(words) < REASON_MIN_WORDS or len(letters) < 4:
        return _REASON_HELP
    if len({w.lower() for w in words}) < 2:
        return _REASON_HELP
    return ""


def break_glass_open(*, actor: User, patient: Model, category: str, reason: str) -> BreakGlassGrant:
    """Grant ``actor`` time-limited access to a child outside their care team, with a reason."""
    if not roles.can_break_glass(actor):
        raise PermissionDenied("Only clinical staff can open a record with break-glass access.")
    reason = " ".join((reason or "").split())
    errors = {}
    if category not in BreakGlassGrant.Category.values:
        errors["category"] = "Choose why: emergency, out-of-hours cover, safeguarding or other."
    if problem := _reason_problem(reason):
        errors["reason"] = problem
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic(durable=True):
        live = BreakGlassGrant.objects.filter(user=actor, patient_id=patient.pk, expires_at__gt=now).first()
        if live is not None:
            return live
        return BreakGlassGrant.objects.create(
            user=actor,
            patient_id=patient.pk,
            category=category,
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


def access_record_export(*, user: User, patient_ids: Iterable[int], what: str, path: str = "") -> int:
    """Log a job's export of each child's data (no request: a Celery job or a command made it).

    The reader is the person who asked for the export; the basis is the records role (the export
    reads outside ``visible_patients``, by a rule such as consent). One row per child, so each child's
    access log shows that their data left in that export. Returns the number of rows written.
    """
    now = timezone.now()
    rows = AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user=user,
                patient_id=pk,
                what=what[:100],
                channel=AccessEvent.Channel.EXPORT,
                path=path[:300],
                basis=AccessEvent.Basis.ADMIN,
                at=now,
            )
            for pk in patient_ids
        ]
    )
    return len(rows)
