"""The MDT's additions to the standing cast: a neurology team meeting chaired by a consultant, a second
child on nurse A's caseload, and a scored severity scale."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.mdt import services
from apps.mdt.models import Meeting
from apps.pathways import services as pathways
from apps.patients.models import Patient

from ..factories import CareTeamMemberFactory, PatientFactory, StaffFactory, TeamFactory

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@dataclass
class Mdt:
    team: Team
    chair: User
    meeting: Meeting
    later: Meeting
    child_c: Patient


@pytest.fixture
def mdt(cast, time_machine) -> Mdt:  # type: ignore[no-untyped-def]
    time_machine.move_to(NOW, tick=False)
    team = TeamFactory(code=Team.Code.NEUROLOGY)
    chair = StaffFactory(full_name="Cara Chair", role=StaffProfile.Role.CONSULTANT, role__teams=["neurology"])
    CareTeamMemberFactory(patient=cast.child_a, user=chair, role=StaffProfile.Role.CONSULTANT)
    child_c = PatientFactory(given_name="Cleo", named_nurse=cast.nurse_a)
    CareTeamMemberFactory(patient=child_c, user=chair, role=StaffProfile.Role.CONSULTANT)
    meeting = services.meeting_schedule(
        actor=chair,
        team=team,
        title="OMS clinic MDT",
        starts_at=NOW + datetime.timedelta(days=3),
        chair=chair,
    )
    later = services.meeting_schedule(
        actor=chair,
        team=team,
        title="OMS clinic MDT",
        starts_at=NOW + datetime.timedelta(days=17),
        chair=chair,
    )
    return Mdt(team, chair, meeting, later, child_c)


@pytest.fixture
def score(cast):  # type: ignore[no-untyped-def]
    scale = pathways.scale_create(
        actor=None,
        name="Test scale",
        items=[pathways.ItemSpec("Stance"), pathways.ItemSpec("Gait")],
        is_demo=True,
    )
    return pathways.score_record(
        actor=cast.nurse_a,
        patient=cast.child_a,
        scale=scale,
        assessed_on=timezone.localdate() - datetime.timedelta(days=3),
        values={"stance": 2, "gait": 1},
    )
