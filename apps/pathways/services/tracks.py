"""Specialty tracks: one per specialty per child, moved through an explicit transition table."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import ApplicationError, refuse_unless

from ..models import Specialty, SpecialtyTrack, TrackEvent
from ._common import check_transition

Stage = SpecialtyTrack.Stage

# The one place the allowed moves are written down. Discharged tracks can be re-referred.
TRACK_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.NOT_INVOLVED: frozenset({Stage.REFERRED}),
    Stage.REFERRED: frozenset({Stage.ASSESSING, Stage.NOT_INVOLVED, Stage.DISCHARGED}),
    Stage.ASSESSING: frozenset({Stage.TREATING, Stage.MONITORING, Stage.DISCHARGED}),
    Stage.TREATING: frozenset({Stage.MONITORING, Stage.DISCHARGED}),
    # A child in monitoring can be re-referred or reassessed (suspected relapse or recurrence).
    Stage.MONITORING: frozenset({Stage.REFERRED, Stage.ASSESSING, Stage.TREATING, Stage.DISCHARGED}),
    Stage.DISCHARGED: frozenset({Stage.REFERRED}),
}


def tracks_ensure(*, patient: Patient) -> None:
    """Give the child one track per specialty (idempotent; runs inside the caller's transaction)."""
    SpecialtyTrack.objects.bulk_create(
        [SpecialtyTrack(patient=patient, specialty=s) for s in Specialty.values], ignore_conflicts=True
    )


def track_move(
    *,
    actor: User,
    patient: Patient,
    specialty: str,
    to_stage: str,
    note: str = "",
    expected_stage: str | None = None,
    effective_at: datetime.datetime | None = None,
) -> SpecialtyTrack:
    """Move a track inside the caller's transaction (referrals call this). Writes a TrackEvent.

    ``expected_stage`` refuses the move when someone else changed the track first.
    ``effective_at`` records a change that happened earlier (it must not precede the last one).
    """
    if specialty not in Specialty.values:
        raise ValidationError({"specialty": "Choose a specialty."})
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": "Choose a stage."})
    tracks_ensure(patient=patient)
    track = SpecialtyTrack.objects.select_for_update().get(patient=patient, specialty=specialty)
    if expected_stage is not None and track.stage != expected_stage:
        raise ApplicationError.stale(
            f"The {track.get_specialty_display()} track is now {track.get_stage_display().lower()}; "
            "someone changed it a moment ago. Please check and try again."
        )
    check_transition(TRACK_TRANSITIONS, track.stage, to_stage, f"The {track.get_specialty_display()} track")
    now = timezone.now()
    at = effective_at or now
    if at > now:
        raise ValidationError({"effective_at": "A stage change cannot be recorded in the future."})
    # A never-moved track's stage_changed_at is only its creation time, so a first referral may be
    # backdated before it; once the track has moved (even back to not involved) it may not.
    if at < track.stage_changed_at and (
        track.stage != Stage.NOT_INVOLVED or TrackEvent.objects.filter(track=track).exists()
    ):
        raise ValidationError({"effective_at": "This is earlier than the track's last change."})
    TrackEvent.objects.create(
        track=track, from_stage=track.stage, to_stage=to_stage, actor=actor, at=at, note=note[:300]
    )
    track.stage = to_stage
    track.stage_changed_at = at
    track.save(update_fields=["stage", "stage_changed_at"])
    return track


def track_change_stage(
    *,
    actor: User,
    patient: Patient,
    specialty: str,
    to_stage: str,
    note: str = "",
    expected_stage: str | None = None,
    effective_at: datetime.datetime | None = None,
) -> SpecialtyTrack:
    """A clinician moves a track by hand."""
    refuse_unless(roles.can_change_track(actor), "Your role cannot change specialty tracks.")
    with transaction.atomic(durable=True):
        return track_move(
            actor=actor,
            patient=patient,
            specialty=specialty,
            to_stage=to_stage,
            note=note,
            expected_stage=expected_stage,
            effective_at=effective_at,
        )
