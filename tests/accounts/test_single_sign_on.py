"""Staff single sign-on against a real OpenID Connect provider: tests/oidc_idp, a Django project with
django-oauth-toolkit in OIDC mode (discovery, JWKS, RS256 ID tokens, userinfo), started here as its
own process on a loopback port. Each test drives the authorization-code flow as a browser would:
CareCoord's "Sign in with" button, the provider's log in form and consent page, the callback (a
real code exchange, signature and claim checks), then looks at the CareCoord session."""

import importlib
import logging
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from apps.accounts.models import IdentityProviderCheck, StaffProfile, User
from apps.accounts.security import sso
from tests.oidc_idp.provider import HIGH_ACR, FormReader, RunningProvider, start_provider

from ..factories import PASSWORD, FamilyFactory, StaffFactory

pytestmark = pytest.mark.xdist_group("single-sign-on")  # one provider process per run

IDP_PASSWORD = "provider-password-1"
CLIENT = {"id": "carecoord-test", "secret": "carecoord-test-secret-0123456789"}
NURSE = "nina.nurse@hospital.example"
UNVERIFIED = "una.verified@hospital.example"
NEWCOMER = "nia.newcomer@hospital.example"
PARENT = "pat.parent@hospital.example"
MFA = "mo.factor@hospital.example"
ACR = "ada.acr@hospital.example"
PROVIDER_NAME = "Hospital account"


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory) -> Iterator[RunningProvider]:  # type: ignore[no-untyped-def]
    client = {
        **CLIENT,
        "redirect_uri": f"{live_server.url}/sso/callback/",
        "post_logout_redirect_uri": f"{live_server.url}/login/",
    }
    users = [
        {"email": NURSE, "name": "Nina Nurse"},
        {"email": UNVERIFIED, "name": "Una Verified", "groups": ["email-unverified"]},
        {"email": NEWCOMER, "name": "Nia Newcomer"},
        {"email": PARENT, "name": "Pat Parent"},
        {"email": MFA, "name": "Mo Factor", "groups": ["mfa"]},
        {"email": ACR, "name": "Ada Acr", "groups": ["acr-high"]},
    ]
    running = start_provider(
        tmp_path_factory.mktemp("oidc-provider"),
        client=client,
        users=[{**user, "password": IDP_PASSWORD} for user in users],
    )
    yield running
    running.stop()


def _reload_urls() -> None:
    """Load the URLs again as a process with the current settings would (the routes depend on them)."""
    import apps.accounts.urls
    import carecoord.urls

    importlib.reload(apps.accounts.urls)
    importlib.reload(carecoord.urls)  # its include() holds resolvers built from the old list
    clear_url_caches()


@pytest.fixture
def sso_on(provider, transactional_db) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """CareCoord configured as the provider's client, through discovery, as an operator would."""
    import django.conf

    values = {
        "OIDC_ENABLED": True,
        "OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "OIDC_RP_CLIENT_ID": CLIENT["id"],
        "OIDC_RP_CLIENT_SECRET": CLIENT["secret"],
        "OIDC_OP_DISCOVERY": provider.issuer,
        "AUTHENTICATION_BACKENDS": [
            *django.conf.settings.AUTHENTICATION_BACKENDS,
            "apps.accounts.security.sso.SingleSignOnBackend",
        ],
    }
    sso._discovered.clear()
    with override_settings(**values):
        _reload_urls()
        yield values
    _reload_urls()


def sign_on(
    live_server, email: str, *, next_url: str = "/caseload/"
) -> tuple[requests.Session, requests.Response]:  # type: ignore[no-untyped-def]
    """Press "Sign in with", log in at the provider, allow CareCoord, and come back."""
    browser = requests.Session()
    login_page = browser.get(f"{live_server.url}/login/?next={next_url}")
    start = FormReader(login_page.text).links[f"Sign in with {PROVIDER_NAME}"]
    at_provider = browser.get(urljoin(login_page.url, start))
    assert "Test identity provider" in at_provider.text, at_provider.text
    form = FormReader(at_provider.text)
    consent = browser.post(
        urljoin(at_provider.url, form.action or ""),
        data={**form.fields, "username": email, "password": IDP_PASSWORD},
    )
    allow = FormReader(consent.text, form_id="authorizationForm")
    assert allow.fields.get("client_id") == CLIENT["id"], consent.text
    back = browser.post(urljoin(consent.url, allow.action or ""), data={**allow.fields, "allow": "Authorize"})
    return browser, back


def _path(live_server, response: requests.Response) -> str:  # type: ignore[no-untyped-def]
    return response.url.removeprefix(live_server.url)


def test_an_existing_staff_account_signs_in_by_its_verified_email(live_server, sso_on, caplog):
    nurse = StaffFactory(email=NURSE, full_name="Nina Nurse")
    with caplog.at_level(logging.INFO, logger="carecoord.security"):
        browser, landed = sign_on(live_server, NURSE)

    assert landed.status_code == 200 and _path(live_server, landed) == "/caseload/"
    assert browser.get(f"{live_server.url}/api/v1/patients/").status_code == 200
    assert f"Single sign-on by {NURSE}" in caplog.text
    nurse.refresh_from_db()
    assert nurse.last_login is not None


def test_the_first_sign_on_binds_the_account_to_the_providers_subject(live_server, sso_on):
    nurse = StaffFactory(email=NURSE, full_name="Nina Nurse")
    sign_on(live_server, NURSE)
    nurse.refresh_from_db()
    bound = nurse.sso_subject
    assert bound

    _browser, landed = sign_on(live_server, NURSE)  # the same subject: the same account, still bound

    assert _path(live_server, landed) == "/caseload/"
    nurse.refresh_from_db()
    assert nurse.sso_subject == bound


def test_an_email_bound_to_another_subject_is_refused(live_server, sso_on, caplog):
    """The provider reissued the address to someone else: they do not get the first holder's account."""
    StaffFactory(email=NURSE, sso_subject="the-first-holders-subject")
    with caplog.at_level(logging.WARNING, logger="carecoord.security"):
        browser, landed = sign_on(live_server, NURSE)

    assert _path(live_server, landed).startswith("/login/")
    assert "is linked to a different account at your organisation" in landed.text
    assert browser.get(f"{live_server.url}/caseload/").url.startswith(f"{live_server.url}/login/")
    assert "email bound to another subject" in caplog.text


def test_a_bound_subject_finds_its_account_after_the_providers_email_changed(db):
    nurse = StaffFactory(email=NURSE, sso_subject="subject-7")
    claims = {"sub": "subject-7", "email": "nina.married.name@hospital.example", "email_verified": True}
    assert sso.staff_user_for_sign_on(claims=claims) == nurse


def test_logging_out_ends_the_providers_session_too(live_server, provider, sso_on):
    """At a shared workstation the next person pressing "Sign in with" must be asked for a password."""
    StaffFactory(email=NURSE, full_name="Nina Nurse")
    browser, landed = sign_on(live_server, NURSE)
    csrf = FormReader(landed.text).fields["csrfmiddlewaretoken"]  # the header's log out form

    at_provider = browser.post(f"{live_server.url}/logout/", data={"csrfmiddlewaretoken": csrf})
    assert at_provider.url.startswith(provider.issuer), at_provider.url
    confirm = FormReader(at_provider.text, form_id="authorizationForm")
    back = browser.post(
        urljoin(at_provider.url, confirm.action or ""), data={**confirm.fields, "allow": "Logout"}
    )

    assert _path(live_server, back).startswith("/login/")
    assert browser.get(f"{live_server.url}/caseload/").url.startswith(f"{live_server.url}/login/")
    login_page = browser.get(f"{live_server.url}/login/")
    start = FormReader(login_page.text).links[f"Sign in with {PROVIDER_NAME}"]
    again = browser.get(urljoin(login_page.url, start))
    assert "password" in FormReader(again.text).fields  # asked to log in again, not straight to consent


def test_a_password_session_logs_out_of_carecoord_only(client, db, settings):
    settings.OIDC_ENABLED = True
    nurse = StaffFactory()
    client.force_login(nurse)
    response = client.post("/logout/")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_unverified_email_is_refused_with_a_plain_message(live_server, sso_on, caplog):
    StaffFactory(email=UNVERIFIED)
    with caplog.at_level(logging.WARNING, logger="carecoord.security"):
        browser, landed = sign_on(live_server, UNVERIFIED)

    assert _path(live_server, landed).startswith("/login/")
    assert "does not have a verified email address" in landed.text
    assert browser.get(f"{live_server.url}/caseload/").url.startswith(f"{live_server.url}/login/")
    assert f"Single sign-on refused for {UNVERIFIED}: email not verified" in caplog.text


def test_an_unknown_email_is_refused_unless_accounts_may_be_created(live_server, sso_on):
    _browser, refused = sign_on(live_server, NEWCOMER)
    assert "There is no CareCoord staff account for nia.newcomer@hospital.example" in refused.text
    assert not User.objects.filter(email=NEWCOMER).exists()

    with override_settings(OIDC_CREATE_USERS=True):
        browser, landed = sign_on(live_server, NEWCOMER)

    created = User.objects.get(email=NEWCOMER)
    assert (created.kind, created.full_name, created.has_usable_password()) == (
        "staff",
        "Nia Newcomer",
        False,
    )
    assert not StaffProfile.objects.filter(user=created).exists()  # no role: sees no child yet
    assert not created.is_staff and not created.is_superuser
    assert _path(live_server, landed) == "/caseload/"
    assert browser.get(f"{live_server.url}/api/v1/patients/").json()["count"] == 0


def test_a_family_account_never_signs_in_through_single_sign_on(live_server, sso_on):
    FamilyFactory(email=PARENT)
    browser, landed = sign_on(live_server, PARENT, next_url="/portal/")

    assert _path(live_server, landed).startswith("/login/")
    assert "is a family account" in landed.text
    assert browser.get(f"{live_server.url}/portal/").url.startswith(f"{live_server.url}/portal/login/")


def test_the_providers_mfa_claim_stands_in_for_the_local_code(live_server, sso_on):
    StaffFactory(email=MFA)
    with override_settings(STAFF_2FA_REQUIRED=True):
        browser, landed = sign_on(live_server, MFA)
        api = browser.get(f"{live_server.url}/api/v1/patients/")

    assert landed.status_code == 200 and _path(live_server, landed) == "/caseload/"
    assert api.status_code == 200
    assert IdentityProviderCheck.objects.filter(user__email=MFA).count() == 1


def test_a_configured_acr_stands_in_for_the_local_code_too(live_server, sso_on):
    StaffFactory(email=ACR)
    with override_settings(STAFF_2FA_REQUIRED=True, OIDC_MFA_ACR_VALUES=[HIGH_ACR]):
        _browser, landed = sign_on(live_server, ACR)
    assert _path(live_server, landed) == "/caseload/"


def test_without_an_mfa_claim_the_local_two_step_gate_still_applies(live_server, sso_on):
    StaffFactory(email=NURSE)
    with override_settings(STAFF_2FA_REQUIRED=True):
        browser, landed = sign_on(live_server, NURSE)
        api = browser.get(f"{live_server.url}/api/v1/patients/")

    assert _path(live_server, landed) == "/account/two-step/set-up/?next=/caseload/"
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_step_required"


def test_password_log_in_can_be_turned_off_for_staff_but_not_for_families(live_server, sso_on):
    nurse = StaffFactory(email=NURSE)
    parent = FamilyFactory()
    with override_settings(OIDC_DISABLE_PASSWORD_LOGIN=True):
        browser = requests.Session()
        page = browser.get(f"{live_server.url}/login/")
        assert f"Sign in with {PROVIDER_NAME}" in page.text and 'name="password"' not in page.text
        csrf = browser.cookies["csrftoken"]
        refused = browser.post(
            f"{live_server.url}/login/",
            data={"csrfmiddlewaretoken": csrf, "username": nurse.email, "password": PASSWORD},
            headers={"Referer": f"{live_server.url}/login/"},
        )
        assert refused.status_code == 400 and "password log in is turned off" in refused.text
        assert browser.get(f"{live_server.url}/caseload/").url.startswith(f"{live_server.url}/login/")

        family = requests.Session()
        family.get(f"{live_server.url}/portal/login/")
        family_in = family.post(
            f"{live_server.url}/portal/login/",
            data={
                "csrfmiddlewaretoken": family.cookies["csrftoken"],
                "username": parent.email,
                "password": PASSWORD,
            },
        )
        assert family_in.url == f"{live_server.url}/portal/"

        _browser, landed = sign_on(live_server, NURSE)  # single sign-on still works
        assert _path(live_server, landed) == "/caseload/"


def test_the_admin_login_refuses_a_staff_password_when_password_log_in_is_off(client, db, settings):
    assert client.get("/admin/login/").status_code == 200  # URLs loaded as configured (SSO off)
    settings.OIDC_ENABLED = True
    settings.OIDC_DISABLE_PASSWORD_LOGIN = True
    admin = StaffFactory(is_staff=True, role=StaffProfile.Role.CLINIC_ADMIN)
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_single_sign_on_is_off_by_default_with_no_route_and_no_button(client, db, settings):
    assert settings.OIDC_ENABLED is False
    _reload_urls()  # as a process with these settings loads them
    with pytest.raises(NoReverseMatch):
        reverse("accounts:sso_start")
    assert client.get("/sso/start/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404
    page = client.get("/login/").content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert "apps.accounts.security.sso.SingleSignOnBackend" not in settings.AUTHENTICATION_BACKENDS
