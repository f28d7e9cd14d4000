import datetime

import pytest

from apps.accounts.models import StaffProfile
from apps.diary import services as diary
from tests.factories import CareTeamMemberFactory, StaffFactory


@pytest.fixture
def consultant(cast):  # type: ignore[no-untyped-def]
    user = StaffFactory(full_name="Cara Consultant", role=StaffProfile.Role.CONSULTANT)
    CareTeamMemberFactory(patient=cast.child_a, user=user, role=StaffProfile.Role.CONSULTANT)
    return user


def answers(**changes):  # type: ignore[no-untyped-def]
    values = {
        "sleep_hours": 11,
        "night_waking": "none",
        "mood": "good",
        "rage_episodes": 0,
        "unsteadiness": 0,
        "jerks": 0,
        "eye_movements": 0,
        "illness": "none",
        "immunisation": False,
    }
    return {**values, **changes}


@pytest.fixture
def fill_in(cast):  # type: ignore[no-untyped-def]
    """``fill_in(**answers)``: child A's family saves today's diary."""

    def save(**changes):  # type: ignore[no-untyped-def]
        return diary.diary_entry_save(actor=cast.family_a, patient=cast.child_a, **answers(**changes))

    return save


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
