"""Fixtures this app's tests share, extending the standing cast in tests/conftest.py."""

import pytest

from apps.accounts.models import StaffProfile
from tests.factories import StaffFactory


@pytest.fixture
def nurse(db):  # type: ignore[no-untyped-def]
    """A nurse specialist on the Nursing team (the team whose queue the task tests work)."""
    return StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
