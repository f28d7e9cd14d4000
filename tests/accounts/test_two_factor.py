"""Two-step verification (django-otp): required for staff when STAFF_2FA_REQUIRED is on, optional
for families; until the second step, a session reaches only set-up, the code page, log out and
/healthz."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp

from apps.accounts.models import AuthenticatorApp, BackupCode, StaffProfile
from apps.accounts.security import at_rest
from apps.accounts.tokens import api_token_create

from ..factories import PASSWORD, FamilyFactory, StaffFactory

ROOT = Path(__file__).resolve().parents[2]


def code_for(device: AuthenticatorApp) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def password_login(client, user, path: str = "/login/", next_url: str = ""):  # type: ignore[no-untyped-def]
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(path, data)


def enrol(client, user):  # type: ignore[no-untyped-def]
    """Set up the app through the pages; returns the device and the backup codes shown."""
    client.get("/account/two-step/set-up/")
    device = AuthenticatorApp.objects.get(user=user, confirmed=False)
    client.post("/account/two-step/set-up/", {"code": code_for(device)})
    codes = client.get("/account/two-step/backup-codes/").context["codes"]
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def required(settings):  # type: ignore[no-untyped-def]
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def nurse(db):  # type: ignore[no-untyped-def]
    return StaffFactory(email="nurse@example.org")


def test_with_2fa_required_a_password_alone_reaches_no_staff_page_or_api(client, nurse, required):
    assert password_login(client, nurse)["Location"] == "/caseload/"

    page = client.get("/caseload/")
    api = client.get("/api/v1/patients/")

    assert page.status_code == 302
    assert page["Location"] == "/account/two-step/set-up/?next=/caseload/"
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_step_required"
    assert client.get("/patients/").status_code == 302
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/account/two-step/set-up/").status_code == 200


def test_with_2fa_required_the_admin_site_waits_for_the_second_step_too(client, db, required):
    admin = StaffFactory(is_staff=True, is_superuser=True, role=StaffProfile.Role.CLINIC_ADMIN)
    client.force_login(admin)
    assert client.get("/admin/")["Location"].startswith("/account/two-step/set-up/")


def test_with_2fa_off_a_password_is_enough(client, nurse, settings):
    settings.STAFF_2FA_REQUIRED = False
    password_login(client, nurse)
    assert client.get("/caseload/").status_code == 200
    assert client.get("/api/v1/patients/").status_code == 200


def test_setting_up_shows_a_qr_code_and_the_key_then_the_backup_codes_once(client, nurse, required):
    password_login(client, nurse)
    page = client.get("/account/two-step/set-up/?next=/tasks/")
    html = page.content.decode()
    device = AuthenticatorApp.objects.get(user=nurse, confirmed=False)
    assert 'src="data:image/svg+xml' in html and 'alt="QR code' in html
    assert page.context["secret"].replace(" ", "") in html.replace(" ", "")
    assert client.get("/account/two-step/set-up/").context["secret"] == page.context["secret"]  # stable

    done = client.post("/account/two-step/set-up/", {"code": code_for(device), "next": "/tasks/"})

    assert done["Location"] == "/account/two-step/backup-codes/?next=%2Ftasks%2F"
    shown = client.get(done["Location"])
    assert len(shown.context["codes"]) == 10
    assert all(code in shown.content.decode() for code in shown.context["codes"])
    assert client.get(done["Location"]).context["codes"] is None  # only once
    assert client.get("/tasks/").status_code == 200
    assert client.get("/api/v1/patients/").status_code == 200


def test_a_wrong_set_up_code_is_refused_with_a_message(client, nurse, required):
    password_login(client, nurse)
    client.get("/account/two-step/set-up/")
    response = client.post("/account/two-step/set-up/", {"code": "000000"})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not AuthenticatorApp.objects.filter(user=nurse, confirmed=True).exists()
    assert client.get("/caseload/").status_code == 302


def test_the_next_log_in_asks_for_a_code_and_returns_to_the_page(client, nurse, required):
    password_login(client, nurse)
    device, _ = enrol(client, nurse)
    client.post("/logout/")

    start = timezone.now() + datetime.timedelta(minutes=1)  # a fresh time step for the new code
    with time_machine.travel(start, tick=False):
        password_login(client, nurse, next_url="/tasks/")
        asked = client.get("/tasks/")
        assert asked["Location"] == "/account/two-step/code/?next=/tasks/"
        assert client.get("/account/two-step/set-up/")["Location"].startswith("/account/two-step/code/")
        answer = client.post("/account/two-step/code/", {"code": code_for(device), "next": "/tasks/"})
        assert answer["Location"] == "/tasks/"
        assert client.get("/tasks/").status_code == 200


def test_a_backup_code_works_once(client, nurse, required):
    password_login(client, nurse)
    _, codes = enrol(client, nurse)
    client.post("/logout/")

    password_login(client, nurse)
    used = client.post("/account/two-step/code/", {"code": codes[0].upper()}, follow=True)
    assert used.status_code == 200 and used.redirect_chain[-1][0] == "/caseload/"
    assert "You have 9 left" in used.content.decode()
    client.post("/logout/")

    password_login(client, nurse)
    again = client.post("/account/two-step/code/", {"code": codes[0]})
    assert again.status_code == 400
    assert BackupCode.objects.filter(device__user=nurse).count() == 9


def test_many_wrong_codes_make_you_wait(client, nurse, required):
    password_login(client, nurse)
    device, _ = enrol(client, nurse)
    client.post("/logout/")
    password_login(client, nurse)
    start = timezone.now() + datetime.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        client.post("/account/two-step/code/", {"code": "000000"})
        response = client.post("/account/two-step/code/", {"code": code_for(device)})
    assert "Wait a minute" in response.content.decode()
    with time_machine.travel(start + datetime.timedelta(seconds=5), tick=False):
        assert client.post("/account/two-step/code/", {"code": code_for(device)}).status_code == 302


def test_a_staff_token_is_refused_while_2fa_is_required_and_not_set_up(api, nurse, required, client):
    _token, key = api_token_create(actor=nurse)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    refused = api.get("/api/v1/patients/")
    assert refused.status_code == 403
    assert "Two-step verification is required" in refused.json()["error"]["message"]

    password_login(client, nurse)
    enrol(client, nurse)
    assert api.get("/api/v1/patients/").status_code == 200


def test_a_family_can_turn_on_two_step_verification_and_is_then_asked_for_it(client, db, settings):
    settings.STAFF_2FA_REQUIRED = True  # does not apply to families
    parent = FamilyFactory(email="parent@example.org")
    password_login(client, parent, "/portal/login/")
    assert client.get("/portal/").status_code == 200
    assert "Turn on two-step verification" in client.get("/portal/account/").content.decode()

    enrol(client, parent)
    client.post("/logout/")
    password_login(client, parent, "/portal/login/")

    assert client.get("/portal/")["Location"] == "/account/two-step/code/?next=/portal/"
    page = client.get("/account/two-step/code/").content.decode()
    assert "nurse specialist team" in page and "for families" in page


def test_a_family_can_turn_it_off_but_required_staff_cannot(client, db, nurse, required):
    parent = FamilyFactory()
    password_login(client, parent, "/portal/login/")
    enrol(client, parent)
    client.post("/account/two-step/turn-off/")
    assert not AuthenticatorApp.objects.filter(user=parent).exists()
    client.post("/logout/")

    password_login(client, nurse)
    enrol(client, nurse)
    refused = client.post("/account/two-step/turn-off/", follow=True)
    assert "cannot be turned off" in refused.content.decode()
    assert AuthenticatorApp.objects.filter(user=nurse, confirmed=True).exists()


def test_new_backup_codes_replace_the_old_ones(client, nurse, required):
    password_login(client, nurse)
    _, old = enrol(client, nurse)
    new_page = client.post("/account/two-step/backup-codes/new/", follow=True)
    new = new_page.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    old_digests = [at_rest.digests(code)[0] for code in old]
    assert BackupCode.objects.filter(device__user=nurse, digest__in=old_digests).count() == 0


def test_a_clinic_admin_resets_a_lost_phone_and_the_next_log_in_sets_up_again(client, nurse, db):
    admin = StaffFactory(is_staff=True, is_superuser=True, role=StaffProfile.Role.CLINIC_ADMIN)
    AuthenticatorApp.new_unsaved(user=nurse, name="Phone", confirmed=True).save()
    client.force_login(admin)
    client.post("/admin/accounts/user/", {"action": "reset_two_step", "_selected_action": [nurse.pk]})
    assert not AuthenticatorApp.objects.filter(user=nurse).exists()
    client.logout()
    password_login(client, nurse)
    assert client.get("/caseload/").status_code == 200  # 2FA not required here: back to a password


def _settings_value(name: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ENV", "STAFF_2FA_REQUIRED")}
    clean.update(DJANGO_SETTINGS_MODULE="carecoord.settings", **env)
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def test_2fa_is_required_by_default_in_production_and_not_in_development(tmp_path):
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "carecoord.example.org",
        "EMAIL_URL": "smtp://smtp.example.org:25",
        "CARECOORD_VAR_DIR": str(tmp_path),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "",
    }
    assert _settings_value("STAFF_2FA_REQUIRED", **production) == "True"
    assert _settings_value("STAFF_2FA_REQUIRED", CARECOORD_VAR_DIR=str(tmp_path)) == "False"
    assert (
        _settings_value("STAFF_2FA_REQUIRED", STAFF_2FA_REQUIRED="1", CARECOORD_VAR_DIR=str(tmp_path))
        == "True"
    )


def test_the_set_up_page_has_no_inline_script(client, nurse, required):
    password_login(client, nurse)
    html = client.get("/account/two-step/set-up/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html
