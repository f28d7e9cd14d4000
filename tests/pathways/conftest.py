"""The pathway's additions to the standing cast: a consultant on child A's care team."""

import pytest

from apps.accounts.models import StaffProfile

from ..factories import CareTeamMemberFactory, StaffFactory


@pytest.fixture
def consultant(cast):  # type: ignore[no-untyped-def]
    user = StaffFactory(full_name="Cara Consultant", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user
