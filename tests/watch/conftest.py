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


@pytest.fixture(autouse=True)
def _demo_configuration(db):  # type: ignore[no-untyped-def]
    """The trigger lengths and the policy the data migration seeds (a browser test's flush of the
    shared test database removes them; get_or_create leaves them as they are otherwise)."""
    import importlib

    from django.apps import apps as django_apps

    importlib.import_module("apps.watch.migrations.0002_demo_configuration").seed(django_apps, None)
