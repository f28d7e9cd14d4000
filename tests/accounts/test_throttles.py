"""Throttles: the API answers 429 in the one error shape with Retry-After; the public and sensitive
HTML forms answer a plain 429 page. Rates are lowered here; other tests get a fresh cache each."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.accounts.models import StaffProfile
from apps.accounts.security.network import client_ip
from apps.accounts.security.throttles import AnonThrottle
from apps.notifications.models import Delivery

from ..factories import FamilyFactory, GuardianFactory, StaffFactory


@pytest.fixture
def rates(settings):  # type: ignore[no-untyped-def]
    def set_rates(**overrides: str) -> None:
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **overrides}

    return set_rates


def test_a_user_over_the_api_rate_gets_429_in_the_error_shape_with_retry_after(api_for, db, rates):
    rates(user="3/minute")
    api = api_for(StaffFactory())
    assert [api.get("/api/v1/patients/").status_code for _ in range(3)] == [200, 200, 200]

    response = api.get("/api/v1/patients/")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["status"] == 429 and error["code"] == "throttled" and error["fields"] == {}
    assert "throttled" in error["message"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_anonymous_callers_are_throttled_by_address(db, rates):
    # Every API view needs a login, which DRF checks before throttles; this is for views that do not.
    rates(anon="2/minute")
    view = SimpleNamespace()

    def allowed(address: str) -> bool:
        request = Request(APIRequestFactory().get("/api/v1/", REMOTE_ADDR=address))
        request.user = AnonymousUser()
        return AnonThrottle().allow_request(request, view)

    assert [allowed("10.0.0.1") for _ in range(3)] == [True, True, False]
    assert allowed("10.0.0.2")


def test_external_referrals_have_a_tighter_scope_for_sending_only(api_for, db, rates):
    rates(intake="2/hour")
    api = api_for(StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST))
    assert [api.post("/api/v1/referrals/external/", {}).status_code for _ in range(2)] == [400, 400]
    assert api.post("/api/v1/referrals/external/", {}).status_code == 429
    assert api.get("/api/v1/referrals/").status_code == 200  # the scope counts only its own writes


def test_symptom_reports_through_the_api_have_their_own_scope(api_for, db, rates):
    rates(symptom_report="1/hour")
    guardian = GuardianFactory()
    api = api_for(guardian.user)
    url = f"/api/v1/patients/{guardian.patient.pk}/symptom-reports/"
    assert api.post(url, {}, format="json").status_code == 400
    assert api.post(url, {}, format="json").status_code == 429
    assert api.get(url).status_code == 200  # reading is not counted


def test_password_reset_requests_are_limited_and_the_extra_one_sends_nothing(client, db, rates):
    rates(password_reset="2/hour")
    FamilyFactory(email="parent@example.org")
    for _ in range(2):
        assert client.post("/password-reset/", {"email": "parent@example.org"}).status_code == 302

    response = client.post("/password-reset/", {"email": "parent@example.org"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please wait before trying again" in response.content.decode()
    assert Delivery.objects.count() == 2
    assert client.get("/password-reset/").status_code == 200  # the form itself still shows


def test_invitation_links_are_limited_per_address(client, db, rates):
    rates(invitation_accept="2/hour")
    for _ in range(2):
        assert client.post("/portal/invite/not-a-real-token/", {}).status_code == 404
    assert client.post("/portal/invite/not-a-real-token/", {}).status_code == 429


def test_the_symptom_report_form_is_limited_and_still_gives_the_safety_advice(client, db, rates):
    rates(symptom_report="1/hour")
    guardian = GuardianFactory()
    client.force_login(guardian.user)
    url = f"/portal/children/{guardian.patient.pk}/symptoms/"
    assert client.post(url, {"free_text": ""}).status_code == 400

    response = client.post(url, {"free_text": ""})

    assert response.status_code == 429
    assert "call 999" in response.content.decode()


def test_the_external_referral_form_shares_the_intake_count_with_the_api(client, api_for, db, rates):
    rates(intake="2/hour")
    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
    assert api_for(nurse).post("/api/v1/referrals/external/", {}).status_code == 400
    client.force_login(nurse)
    assert client.post("/referrals/external/", {"given_name": ""}).status_code == 400
    assert client.post("/referrals/external/", {"given_name": ""}).status_code == 429


def test_a_cache_outage_lets_requests_through(api_for, db, rates, settings):
    rates(user="1/minute")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    api = api_for(StaffFactory())
    assert [api.get("/api/v1/patients/").status_code for _ in range(2)] == [200, 200]


def test_every_throttle_scope_has_a_rate_by_default(settings):
    scopes = {"user", "anon", "intake", "invitation_accept", "password_reset", "symptom_report"}
    assert scopes <= set(settings.THROTTLE_RATES)
    assert all(settings.THROTTLE_RATES[scope] for scope in scopes)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.1.1.1"),  # no trusted proxy: the header is ignored
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the proxy's entry, not the forged one
        (2, "203.0.113.7, 10.2.2.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.1.1.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
