"""The referral page offers exactly the moves the one table allows, the service (not the page or the
API) refuses a stale one, and the list's query parameters are checked by its FilterSet."""

import pytest

from apps.referrals.models import Referral
from apps.referrals.services import REFERRAL
from apps.referrals.views import ACTIONS

from . import Status, drive_to


def _offered(client, referral: Referral) -> set[str]:
    html = client.get(f"/referrals/{referral.pk}/").content.decode()
    return {key for key in ACTIONS if f"/referrals/{referral.pk}/{key}/" in html}


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.DRAFT])
def test_the_receiving_team_is_offered_exactly_the_moves_the_table_allows(client, people, status):
    referral = drive_to(people, status)
    client.force_login(people.oncologist)
    expected = {key for key, action in ACTIONS.items() if action.to_status in REFERRAL.allowed_from(status)}
    assert _offered(client, referral) == expected


def test_a_booked_referral_can_be_booked_again_when_its_appointment_moves(client, people):
    referral = drive_to(people, Status.BOOKED)
    client.force_login(people.oncologist)
    assert _offered(client, referral) == {"book", "seen", "cancel"}


def test_a_page_posted_from_a_stale_status_is_refused_by_the_service(client, people):
    referral = drive_to(people, Status.ACCEPTED)
    client.force_login(people.oncologist)
    response = client.post(
        f"/referrals/{referral.pk}/cancel/", {"expected_status": "submitted", "cancel-reason": "Moved away"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.events.count() == 3  # draft, submitted, accepted: nothing for the refused cancel


def test_a_bad_list_filter_is_a_400_in_the_one_shape(people, api_for):
    response = api_for(people.oncologist).get("/api/v1/referrals/", {"status": "lost", "team": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "status": 400,
        "code": "invalid",
        "message": "Please correct the highlighted fields.",
        "fields": {"status": ['"lost" is not a valid choice.'], "team": ["A valid integer is required."]},
    }


def test_filters_do_not_narrow_a_single_referral(people, api_for):
    referral = drive_to(people, Status.ACCEPTED)
    client = api_for(people.oncologist)
    assert client.get(f"/api/v1/referrals/{referral.pk}/", {"status": "submitted"}).status_code == 200
