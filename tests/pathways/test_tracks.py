"""Specialty tracks move only along TRACK_TRANSITIONS, each move leaving exactly one TrackEvent."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.pathways import services
from apps.pathways.models import Specialty, SpecialtyTrack, TrackEvent
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory

Stage = SpecialtyTrack.Stage
Role = StaffProfile.Role
ALL_PAIRS = list(itertools.product(Stage.values, repeat=2))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in services.TRACK_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in services.TRACK_TRANSITIONS[a]]


@pytest.fixture
def consultant(db):
    return StaffFactory(role=Role.CONSULTANT)


@pytest.fixture
def child(db):
    patient = PatientFactory()
    with transaction.atomic():
        services.tracks_ensure(patient=patient)
    return patient


def _put(patient, specialty, stage, hours_ago=1):
    """Test set-up: place a track at a stage without going through the table."""
    SpecialtyTrack.objects.filter(patient=patient, specialty=specialty).update(
        stage=stage, stage_changed_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )


def _track(patient, specialty=Specialty.NEUROLOGY):
    return SpecialtyTrack.objects.get(patient=patient, specialty=specialty)


def _label(stage):
    return Stage(stage).label.lower()


def test_the_table_covers_every_stage():
    assert set(services.TRACK_TRANSITIONS) == set(Stage.values)
    for targets in services.TRACK_TRANSITIONS.values():
        assert targets <= set(Stage.values)
    assert ALLOWED and ILLEGAL


def test_tracks_ensure_gives_one_not_involved_track_per_specialty_and_is_idempotent(child):
    with transaction.atomic():
        services.tracks_ensure(patient=child)
    tracks = SpecialtyTrack.objects.filter(patient=child)
    assert sorted(t.specialty for t in tracks) == sorted(Specialty.values)
    assert {t.stage for t in tracks} == {Stage.NOT_INVOLVED}


@pytest.mark.parametrize(("from_stage", "to_stage"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_move_succeeds_and_writes_one_event(consultant, child, from_stage, to_stage):
    _put(child, Specialty.NEUROLOGY, from_stage)
    before = timezone.now()
    track = services.track_change_stage(
        actor=consultant,
        patient=child,
        specialty=Specialty.NEUROLOGY,
        to_stage=to_stage,
        note="seen in clinic",
        expected_stage=from_stage,
    )
    assert track.stage == to_stage
    assert _track(child).stage == to_stage
    assert _track(child).stage_changed_at >= before
    event = TrackEvent.objects.get()
    assert event.track == track
    assert (event.from_stage, event.to_stage) == (from_stage, to_stage)
    assert event.actor == consultant
    assert event.note == "seen in clinic"
    assert event.at == _track(child).stage_changed_at
    # The other specialties are untouched.
    others = SpecialtyTrack.objects.filter(patient=child).exclude(specialty=Specialty.NEUROLOGY)
    assert {t.stage for t in others} == {Stage.NOT_INVOLVED}


@pytest.mark.parametrize(("from_stage", "to_stage"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_move_is_refused_naming_both_stages_and_writes_nothing(
    consultant, child, from_stage, to_stage
):
    _put(child, Specialty.NEUROLOGY, from_stage)
    changed_at = _track(child).stage_changed_at
    with pytest.raises(ApplicationError) as exc:
        services.track_change_stage(
            actor=consultant, patient=child, specialty=Specialty.NEUROLOGY, to_stage=to_stage
        )
    assert exc.value.code == "illegal_transition"
    message = exc.value.messages[0]
    assert f"from {_label(from_stage)} to {_label(to_stage)}" in message
    assert "Neurology" in message
    assert not TrackEvent.objects.exists()
    assert _track(child).stage == from_stage
    assert _track(child).stage_changed_at == changed_at


def test_an_expected_stage_mismatch_is_stale_and_writes_nothing(consultant, child):
    _put(child, Specialty.ONCOLOGY, Stage.ASSESSING)
    with pytest.raises(ApplicationError) as exc:
        services.track_change_stage(
            actor=consultant,
            patient=child,
            specialty=Specialty.ONCOLOGY,
            to_stage=Stage.ASSESSING,
            expected_stage=Stage.REFERRED,
        )
    assert exc.value.code == "stale"
    assert "assessing" in exc.value.messages[0]
    assert not TrackEvent.objects.exists()
    assert _track(child, Specialty.ONCOLOGY).stage == Stage.ASSESSING


def test_stale_wins_over_a_move_that_would_be_legal_from_the_expected_stage(consultant, child):
    """Two clinicians both see 'referred'; the second one's move is refused as stale."""
    _put(child, Specialty.SURGERY, Stage.REFERRED)
    services.track_change_stage(
        actor=consultant,
        patient=child,
        specialty=Specialty.SURGERY,
        to_stage=Stage.ASSESSING,
        expected_stage=Stage.REFERRED,
    )
    with pytest.raises(ApplicationError) as exc:
        services.track_change_stage(
            actor=StaffFactory(role=Role.SURGEON),
            patient=child,
            specialty=Specialty.SURGERY,
            to_stage=Stage.DISCHARGED,
            expected_stage=Stage.REFERRED,
        )
    assert exc.value.code == "stale"
    assert TrackEvent.objects.count() == 1
    assert _track(child, Specialty.SURGERY).stage == Stage.ASSESSING


def test_an_effective_time_in_the_future_is_refused(consultant, child):
    with pytest.raises(ValidationError) as exc:
        services.track_change_stage(
            actor=consultant,
            patient=child,
            specialty=Specialty.NEUROLOGY,
            to_stage=Stage.REFERRED,
            effective_at=timezone.now() + datetime.timedelta(minutes=5),
        )
    assert "effective_at" in exc.value.message_dict
    assert not TrackEvent.objects.exists()
    assert _track(child).stage == Stage.NOT_INVOLVED


def test_an_effective_time_in_the_past_is_recorded_on_the_event(consultant, child):
    _put(child, Specialty.NEUROLOGY, Stage.REFERRED, hours_ago=48)
    when = timezone.now() - datetime.timedelta(hours=24)
    services.track_change_stage(
        actor=consultant,
        patient=child,
        specialty=Specialty.NEUROLOGY,
        to_stage=Stage.ASSESSING,
        effective_at=when,
    )
    assert TrackEvent.objects.get().at == when
    assert _track(child).stage_changed_at == when


def test_an_effective_time_before_the_last_change_is_refused(consultant, child):
    _put(child, Specialty.NEUROLOGY, Stage.REFERRED, hours_ago=1)
    with pytest.raises(ValidationError) as exc:
        services.track_change_stage(
            actor=consultant,
            patient=child,
            specialty=Specialty.NEUROLOGY,
            to_stage=Stage.ASSESSING,
            effective_at=timezone.now() - datetime.timedelta(hours=2),
        )
    assert "effective_at" in exc.value.message_dict
    assert not TrackEvent.objects.exists()


def test_a_child_without_tracks_gets_them_on_the_first_move(consultant, db):
    patient = PatientFactory()
    services.track_change_stage(
        actor=consultant, patient=patient, specialty=Specialty.PSYCHOLOGY, to_stage=Stage.REFERRED
    )
    assert SpecialtyTrack.objects.filter(patient=patient).count() == len(Specialty.values)
    assert _track(patient, Specialty.PSYCHOLOGY).stage == Stage.REFERRED


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [("specialty", {"specialty": "dentistry"}), ("to_stage", {"to_stage": "lost"})],
)
def test_an_unknown_specialty_or_stage_is_a_field_error(consultant, child, field, kwargs):
    args = {"specialty": Specialty.NEUROLOGY, "to_stage": Stage.REFERRED, **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.track_change_stage(actor=consultant, patient=child, **args)
    assert field in exc.value.message_dict
    assert not TrackEvent.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.NURSE_SPECIALIST,
        Role.CONSULTANT,
        Role.SURGEON,
        Role.PSYCHOLOGIST,
        Role.NEUROPSYCHOLOGIST,
        Role.THERAPIST,
    ],
)
def test_every_clinical_role_may_move_a_track(child, role):
    actor = StaffFactory(role=role)
    services.track_change_stage(
        actor=actor, patient=child, specialty=Specialty.THERAPIES, to_stage=Stage.REFERRED
    )
    assert TrackEvent.objects.get().actor == actor


def test_a_clinic_admin_may_not_move_a_track(child):
    with pytest.raises(PermissionDenied) as exc:
        services.track_change_stage(
            actor=StaffFactory(role=Role.CLINIC_ADMIN),
            patient=child,
            specialty=Specialty.THERAPIES,
            to_stage=Stage.REFERRED,
        )
    assert isinstance(exc.value, PermissionDenied)
    assert not TrackEvent.objects.exists()


def test_a_first_referral_may_be_backdated_before_the_track_was_created(consultant, child):
    when = timezone.now() - datetime.timedelta(days=30)
    services.track_change_stage(
        actor=consultant,
        patient=child,
        specialty=Specialty.NEUROLOGY,
        to_stage=Stage.REFERRED,
        effective_at=when,
    )
    assert TrackEvent.objects.get().at == when


def test_a_re_referral_may_not_be_backdated_before_the_track_went_back_to_not_involved(consultant, child):
    services.track_change_stage(
        actor=consultant, patient=child, specialty=Specialty.NEUROLOGY, to_stage=Stage.REFERRED
    )
    services.track_change_stage(
        actor=consultant, patient=child, specialty=Specialty.NEUROLOGY, to_stage=Stage.NOT_INVOLVED
    )
    with pytest.raises(ValidationError) as exc:
        services.track_change_stage(
            actor=consultant,
            patient=child,
            specialty=Specialty.NEUROLOGY,
            to_stage=Stage.REFERRED,
            effective_at=timezone.now() - datetime.timedelta(days=1),
        )
    assert "effective_at" in exc.value.message_dict
    assert TrackEvent.objects.count() == 2
    assert _track(child).stage == Stage.NOT_INVOLVED
