"""Session lifetimes: idle timeouts (staff 30, families 60 minutes), an absolute 12 hours, and a
return to the page the person was on after logging in again."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ..factories import PASSWORD, FamilyFactory, GuardianFactory, StaffFactory

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def start():  # type: ignore[no-untyped-def]
    return timezone.now()


def _at(moment: datetime.datetime):  # type: ignore[no-untyped-def]
    return time_machine.travel(moment, tick=False)


def _login(client, user, path: str = "/login/"):  # type: ignore[no-untyped-def]
    return client.post(path, {"username": user.email, "password": PASSWORD})


def test_an_idle_staff_session_ends_after_30_minutes_and_returns_to_the_page(client, db, start):
    nurse = StaffFactory()
    with _at(start):
        _login(client, nurse)
    with _at(start + 29 * MINUTE):
        assert client.get("/tasks/").status_code == 200
    with _at(start + 58 * MINUTE):  # 29 minutes after the last request: still fine
        assert client.get("/tasks/").status_code == 200
    with _at(start + 89 * MINUTE):
        ended = client.get("/tasks/?mine=1")
        assert ended.status_code == 302
        assert ended["Location"] == "/login/?next=/tasks/%3Fmine%3D1"
        assert "_auth_user_id" not in client.session
        page = client.get(ended["Location"])
        assert "not used for 30 minutes" in page.content.decode()
        back = client.post(
            ended["Location"], {"username": nurse.email, "password": PASSWORD, "next": "/tasks/?mine=1"}
        )
        assert back["Location"] == "/tasks/?mine=1"


def test_a_family_session_lasts_60_idle_minutes(client, db, start):
    parent = GuardianFactory().user
    with _at(start):
        _login(client, parent, "/portal/login/")
    with _at(start + 59 * MINUTE):
        assert client.get("/portal/account/").status_code == 200
    with _at(start + 120 * MINUTE):
        ended = client.get("/portal/account/")
        assert ended["Location"] == "/portal/login/?next=/portal/account/"


def test_a_busy_session_still_ends_12_hours_after_logging_in(client, db, start, settings):
    settings.SESSION_IDLE_MINUTES = {"staff": 5 * 60, "family": 5 * 60}  # never idle here
    nurse = StaffFactory()
    with _at(start):
        _login(client, nurse)
    for minutes in (4 * 60, 8 * 60, 11 * 60 + 59):
        with _at(start + minutes * MINUTE):
            assert client.get("/tasks/").status_code == 200
    with _at(start + 12 * 60 * MINUTE):
        ended = client.get("/tasks/")
        assert ended["Location"] == "/login/?next=/tasks/"
        assert "logged in for 12 hours" in client.get(ended["Location"]).content.decode()


def test_an_idle_api_session_is_refused_in_the_error_shape(client, db, start):
    nurse = StaffFactory()
    with _at(start):
        _login(client, nurse)
    with _at(start + 31 * MINUTE):
        response = client.get("/api/v1/patients/")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_authenticated"


def test_an_idle_htmx_post_sends_the_browser_to_the_login_with_the_page_it_was_on(client, db, start):
    nurse = StaffFactory()
    with _at(start):
        _login(client, nurse)
    with _at(start + 31 * MINUTE):
        response = client.post(
            "/tasks/bulk/",
            {},
            HTTP_HX_REQUEST="true",
            HTTP_REFERER="http://testserver/tasks/?team=1",
        )
        assert response.status_code == 204
        assert response["HX-Redirect"] == "/login/?next=/tasks/%3Fteam%3D1"


def test_the_idle_timeouts_come_from_settings(client, db, start, settings):
    settings.SESSION_IDLE_MINUTES = {"staff": 5, "family": 60}
    nurse = StaffFactory()
    with _at(start):
        _login(client, nurse)
    with _at(start + 6 * MINUTE):
        assert client.get("/tasks/").status_code == 302


def test_the_family_login_page_says_how_long_you_stay_logged_in(client, db):
    page = client.get("/portal/login/").content.decode()
    assert "You stay logged in for up to 12 hours." in page
    assert "If you do not use CareCoord for 60 minutes, we log you out" in page


def test_a_session_from_before_these_rules_is_stamped_not_ended(client, db):
    parent = FamilyFactory()
    client.force_login(parent)
    session = client.session
    for key in ("carecoord_logged_in_at", "carecoord_last_seen_at"):
        del session[key]
    session.save()
    assert client.get("/portal/account/").status_code == 200
    assert "carecoord_logged_in_at" in client.session
