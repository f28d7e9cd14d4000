"""Fixtures this app's tests share, extending the standing cast in tests/conftest.py."""

import pytest

from . import make_people


@pytest.fixture
def people(db):  # type: ignore[no-untyped-def]
    """The referral cast: a referring nurse, two oncologists, an outsider, a family (see make_people)."""
    return make_people()
