"""Telling the family an MDT outcome: a clinician writes it in family wording and prepares the letter
(to the GP and the family, a PDF from templates/documents/letters/mdt_outcome.html), then releases it.

Until released, nothing about the outcome is on the portal. Each preparation is a new version (its
letter a new version of the same document series); a released version is never changed, so a
correction after release is prepared and released again, and the portal shows the latest released.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.documents.generation import document_generate, release_in_transaction
from carecoord.errors import ApplicationError, refuse_unless

from .models import Outcome, OutcomeRelease
from .services import can_list_child, is_chair

LETTER_KIND = "mdt_outcome"
RELEASE_ONLY = (
    "Only a clinician on the child's care team, or the meeting's chair, tells the family the outcome."
)


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def can_release_outcome(user: User, outcome: Outcome) -> bool:
    """A clinician (not an administrator) who chaired the meeting or is on the child's care team."""
    if not roles.can_change_track(user):
        return False
    return is_chair(user, outcome.item.meeting) or can_list_child(user, outcome.item.patient)


def series_key(outcome: Outcome) -> str:
    return f"mdt-outcome:{outcome.pk}"


def outcome_letter_prepare(*, actor: User, outcome: Outcome, family_wording: str) -> OutcomeRelease:
    """Write the family wording and generate the letter as the next version; staff only until released."""
    refuse_unless(can_release_outcome(actor, outcome), RELEASE_ONLY)
    family_wording = (family_wording or "").strip()
    if not family_wording:
        raise ValidationError(
            {"family_wording": ["Write what was decided in words the family will understand."]}
        )
    if len(family_wording) > 4000:
        raise ValidationError({"family_wording": ["Keep it to 4000 characters or fewer."]})
    item = outcome.item
    with transaction.atomic(durable=True):
        locked = Outcome.objects.select_for_update().get(pk=outcome.pk)
        version = (locked.releases.aggregate(v=Max("version"))["v"] or 0) + 1
        actions = list(locked.actions.select_related("owner"))
        document = document_generate(
            actor=actor,
            patient=item.patient,
            kind=LETTER_KIND,
            series_key=series_key(locked),
            title=f"Team meeting outcome, {_day(timezone.localdate(item.meeting.starts_at))}",
            template="documents/letters/mdt_outcome.html",
            context={
                "meeting": item.meeting,
                "decision": locked.decision,
                "family_wording": family_wording,
                "actions": actions,
                "agreed_by": list(locked.agreed_by.order_by("full_name")),
            },
        )
        try:
            with transaction.atomic():
                return OutcomeRelease.objects.create(
                    outcome=locked,
                    version=version,
                    family_wording=family_wording,
                    decision=locked.decision,
                    document=document,
                    prepared_by=actor,
                )
        except IntegrityError as exc:
            raise ApplicationError.stale("Someone prepared this letter at the same moment; reload.") from exc


def outcome_release(*, actor: User, outcome: Outcome) -> OutcomeRelease:
    """Release the latest prepared version: the family wording appears on the portal and the letter in
    the family's documents (each guardian is told). Who released it and when are kept."""
    refuse_unless(can_release_outcome(actor, outcome), RELEASE_ONLY)
    with transaction.atomic(durable=True):
        latest = (
            OutcomeRelease.objects.select_for_update()
            .select_related("document")
            .filter(outcome=outcome)
            .order_by("-version")
            .first()
        )
        if latest is None:
            raise ApplicationError.stale("Prepare the letter and the family wording first.")
        if latest.released_at is not None:
            raise ApplicationError.stale(
                f"Version {latest.version} is already released. To correct it, prepare a new version."
            )
        latest.released_by, latest.released_at = actor, timezone.now()
        latest.save(update_fields=["released_by", "released_at"])
        release_in_transaction(actor=actor, document=latest.document)
    return latest
