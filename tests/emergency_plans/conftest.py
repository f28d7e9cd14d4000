import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.emergency_plans import services
from apps.pathways.services import course_create
from tests.factories import CareTeamMemberFactory, StaffFactory

TEAM_PHONE = "01632 960123"
OUT_OF_HOURS = "01632 960999"


@pytest.fixture
def consultant(cast):
    user = StaffFactory(full_name="Dr Connie Consultant", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT, is_lead=True)
    return user


@pytest.fixture
def nursing(cast):
    team = Team.objects.get(code=Team.Code.NURSING)
    team.phone, team.out_of_hours_phone = TEAM_PHONE, OUT_OF_HOURS
    team.opens_at, team.closes_at = datetime.time(8, 30), datetime.time(16, 30)
    team.save()
    return team


def start_course(consultant, child, agent: str):
    return course_create(
        actor=consultant,
        patient=child,
        agent=agent,
        start_date=timezone.localdate() - datetime.timedelta(days=10),
    )


@pytest.fixture
def approved_plan(cast, consultant, nursing):
    """Child A on ACTH with an approved plan (prepared by the named nurse, approved by the consultant)."""
    start_course(consultant, cast.child_a, "acth")
    version = services.plan_prepare(actor=cast.nurse_a, patient=cast.child_a)
    return services.plan_approve(actor=consultant, patient=cast.child_a, number=version.number)
