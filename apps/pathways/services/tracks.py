"""Specialty tracks: one per specialty per child, moved through an explicit transition table."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import refuse_unless
from carecoord.transitions import Transitions

from ..models import Specialty, SpecialtyTrack, TrackEvent
from ..signals import tracks_moved
from ._common import MOVE_REFUSED

Stage = SpecialtyTrack.Stage


def _event(
    track: SpecialtyTrack,
    before: str,
    after: str,
    actor: User,
    note: str,
    *,
    at: datetime.datetime | None = None,
) -> TrackEvent:
    """A stage change happened ``at`` (now unless it is recorded after the fact)."""
    return TrackEvent(
        track=track, from_stage=before, to_stage=after, actor=actor, at=at or timezone.now(), note=note[:300]
    )


# The one place the allowed moves are written down. Discharged tracks can be re-referred.
TRACK = Transitions(
    "specialty track",
    {
        Stage.NOT_INVOLVED: {Stage.REFERRED},
        Stage.REFERRED: {Stage.ASSESSING, Stage.NOT_INVOLVED, Stage.DISCHARGED},
        Stage.ASSESSING: {Stage.TREATING, Stage.MONITORING, Stage.DISCHARGED},
        Stage.TREATING: {Stage.MONITORING, Stage.DISCHARGED},
        # A child in monitoring can be re-referred or reassessed (suspected relapse or recurrence).
        Stage.MONITORING: {Stage.REFERRED, Stage.ASSESSING, Stage.TREATING, Stage.DISCHARGED},
        Stage.DISCHARGED: {Stage.REFERRED},
    },
    label=lambda stage: Stage(stage).label,
    event=_event,
    field="stage",
    illegal=MOVE_REFUSED,
    subject=lambda track: f"The {track.get_specialty_display()} track",
    patient=lambda row: row.patient_id,  # its states count in the caseload score
)
# The table itself, read by stage (referrals ask it before moving a track).
TRACK_TRANSITIONS = TRACK.table


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
    TRACK.check(track.stage, to_stage, expected=expected_stage, subject=track)
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
    TRACK.move(track, to_stage, actor=actor, note=note, event_fields={"at": at}, stage_changed_at=at)
    tracks_moved.send(sender=SpecialtyTrack, patient_ids=[patient.pk], specialty=specialty, stage=to_stage)
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


def tracks_move_bulk(
    *, actor: User, patient_ids: list[int], specialty: str, to_stage: str, note: str = ""
) -> list[int]:
    """``track_move`` for many children at once, inside the caller's transaction (beat jobs): each track
    the table allows to move is moved, with its event row and history; the others are left where they
    stand. Returns the ids of the children whose track moved."""
    if not patient_ids:
        return []
    SpecialtyTrack.objects.bulk_create(
        [SpecialtyTrack(patient_id=p, specialty=s) for p in patient_ids for s in Specialty.values],
        ignore_conflicts=True,
    )
    tracks = SpecialtyTrack.objects.filter(patient_id__in=patient_ids, specialty=specialty)
    moved = TRACK.move_many(tracks, to_stage, actor=actor, note=note, stage_changed_at=timezone.now())
    patients = list(SpecialtyTrack.objects.filter(pk__in=moved).values_list("patient_id", flat=True))
    if patients:
        tracks_moved.send(sender=SpecialtyTrack, patient_ids=patients, specialty=specialty, stage=to_stage)
    return patients
