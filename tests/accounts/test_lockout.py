"""Lockout (django-axes): 10 failures in 15 minutes lock an account on every login surface, the
answer is the same with or without an account, and a clinic administrator can unlock it."""

import datetime
import logging
import re

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.accounts.models import StaffProfile
from apps.accounts.security.lockout import account_unlock

from ..factories import PASSWORD, FamilyFactory, StaffFactory
from ..sent_mail import send_and_read

LOCKED = "Logging in with this email address is paused for 15 minutes because of too many attempts."

SURFACES = {
    "staff": ("/login/", lambda: StaffFactory(email="someone@example.org")),
    "family": ("/portal/login/", lambda: FamilyFactory(email="someone@example.org")),
    "admin": (
        "/admin/login/",
        lambda: StaffFactory(email="someone@example.org", is_staff=True, role=StaffProfile.Role.CLINIC_ADMIN),
    ),
}


def _attempt(client, path: str, password: str, email: str = "someone@example.org", **extra):
    return client.post(path, {"username": email, "password": password}, **extra)


def _fail(client, path: str, times: int, email: str = "someone@example.org", **extra) -> list:
    return [_attempt(client, path, "wrong-password", email, **extra) for _ in range(times)]


@pytest.mark.parametrize("surface", SURFACES)
def test_eleven_wrong_passwords_lock_the_account_and_the_right_one_then_fails(client, db, surface):
    path, make_user = SURFACES[surface]
    make_user()
    answers = _fail(client, path, 11)
    assert [a.status_code for a in answers[:9]] == [200] * 9  # the form again, "enter a correct..."
    assert answers[9].status_code == answers[10].status_code == 429  # locked from the 10th

    right = _attempt(client, path, PASSWORD)

    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert right["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in client.session


def test_an_email_with_no_account_is_locked_with_the_same_page(client, db):
    StaffFactory(email="someone@example.org")
    real = _fail(client, "/login/", 10)[-1]
    unknown = _fail(client, "/login/", 10, email="nobody@example.org")[-1]
    assert real.status_code == unknown.status_code == 429

    def body(response) -> str:
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())

    assert body(real) == body(unknown)


def test_failures_count_per_account_whatever_the_address(client, db):
    StaffFactory(email="someone@example.org")
    for n in range(10):
        _attempt(client, "/login/", "wrong-password", REMOTE_ADDR=f"10.0.0.{n}")
    assert _attempt(client, "/login/", PASSWORD, REMOTE_ADDR="10.0.1.1").status_code == 429


def test_the_lock_lifts_fifteen_minutes_after_the_last_failure(client, db):
    StaffFactory(email="someone@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, "/login/", 10)
    with time_machine.travel(start + datetime.timedelta(minutes=14), tick=False):
        assert _attempt(client, "/login/", PASSWORD).status_code == 429  # and this restarts the clock
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        assert _attempt(client, "/login/", PASSWORD)["Location"] == "/caseload/"


def test_nine_failures_then_the_right_password_still_logs_in(client, db):
    StaffFactory(email="someone@example.org")
    _fail(client, "/login/", 9)
    assert _attempt(client, "/login/", PASSWORD)["Location"] == "/caseload/"


def test_a_family_account_on_the_staff_login_counts_as_a_failure_even_with_its_password(client, db):
    FamilyFactory(email="someone@example.org")
    for _ in range(10):
        _attempt(client, "/login/", PASSWORD)
    assert _attempt(client, "/portal/login/", PASSWORD).status_code == 429


def test_the_family_lockout_page_points_to_the_family_login_and_the_nurse_team(client, db):
    FamilyFactory(email="someone@example.org")
    page = _fail(client, "/portal/login/", 10)[-1].content.decode()
    assert 'href="/portal/login/"' in page
    assert "nurse specialist team" in page


def test_failures_and_the_lockout_are_logged_and_recorded(client, db, caplog):
    StaffFactory(email="someone@example.org")
    with caplog.at_level(logging.WARNING, logger="carecoord.security"):
        _fail(client, "/login/", 10)
    messages = [r.getMessage() for r in caplog.records if r.name == "carecoord.security"]
    assert "Failed log in: someone@example.org from 127.0.0.1 at /login/" in messages
    assert "Account locked: someone@example.org from 127.0.0.1 after repeated failures" in messages
    assert AccessFailureLog.objects.filter(username="someone@example.org").count() == 10
    assert AccessFailureLog.objects.filter(locked_out=True).exists()
    assert "wrong-password" not in AccessAttempt.objects.get().post_data  # passwords are masked


def test_a_clinic_admin_unlocks_an_account_from_the_admin(client, db):
    nurse = StaffFactory(email="someone@example.org")
    admin = StaffFactory(is_staff=True, is_superuser=True, role=StaffProfile.Role.CLINIC_ADMIN)
    _fail(client, "/login/", 10)
    client.force_login(admin)
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200

    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_sign_in", "_selected_action": [nurse.pk]}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="someone@example.org").exists()
    entry = LogEntry.objects.get(object_id=str(nurse.pk))
    assert entry.user == admin and "Unlocked logging in" in entry.change_message
    client.logout()
    assert _attempt(client, "/login/", PASSWORD)["Location"] == "/caseload/"


def test_only_a_clinic_admin_may_unlock(db):
    nurse, other = StaffFactory(), StaffFactory()
    with pytest.raises(PermissionDenied):
        account_unlock(actor=other, user=nurse)


def test_setting_a_new_password_from_the_emailed_link_lifts_the_lock(client, db):
    FamilyFactory(email="someone@example.org")
    _fail(client, "/portal/login/", 10)
    client.post("/password-reset/", {"email": "someone@example.org"})
    link = re.search(
        r"http://testserver(/password-reset/\S+/)", send_and_read("someone@example.org").body
    ).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"},
    )
    answer = _attempt(client, "/portal/login/", "a-Long-new-pass-42")
    assert answer["Location"] == "/portal/"


def test_an_api_credential_check_counts_towards_the_same_lockout(db):
    """Any API endpoint that checks a password through authenticate() (a future token endpoint)
    is counted and locked like the login pages."""
    StaffFactory(email="someone@example.org")

    def api_attempt(password: str):
        request = Request(
            APIRequestFactory().post("/api/v1/token/", {}, format="json"), parsers=[JSONParser()]
        )
        return authenticate(request, username="someone@example.org", password=password)

    for _ in range(10):
        assert api_attempt("wrong-password") is None
    assert api_attempt(PASSWORD) is None
    assert AccessAttempt.objects.get(username="someone@example.org").failures_since_start == 11
