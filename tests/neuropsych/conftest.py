"""A neuropsychologist on child A's care team, child A's re-evaluation opened by the daily job (due
1 Jun 2026, opened 9 Mar 2026), and today 20 Mar 2026."""

import datetime

import pytest

from apps.accounts.models import StaffProfile, Team
from apps.scheduling.models import ReviewDue

from ..factories import CareTeamMemberFactory, StaffFactory
from ..scheduling.test_reviews import diagnose, neuropsychology_policy, run_job_on

TODAY = datetime.datetime(2026, 3, 20, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def neuropsychologist(cast):  # type: ignore[no-untyped-def]
    person = StaffFactory(
        full_name="Dr Nell Neuropsych",
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        role__teams=[Team.Code.NEUROPSYCHOLOGY],
    )
    CareTeamMemberFactory(
        patient=cast.child_a,
        user=person,
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        start_date=datetime.date(2020, 1, 1),  # before any travelled-to day
    )
    return person


@pytest.fixture
def review_due(cast, time_machine):  # type: ignore[no-untyped-def]
    neuropsychology_policy()
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    time_machine.move_to(TODAY, tick=False)
    return ReviewDue.objects.get()
