"""Fixtures this app's tests share, extending the standing cast in tests/conftest.py."""

import pytest

from apps.accounts.models import StaffProfile
from tests.factories import StaffFactory


@pytest.fixture
def nurse(db):  # type: ignore[no-untyped-def]
    """A nurse specialist with no child yet: each test gives them the relationship it needs."""
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
