"""The admin site holds configuration only, for clinic administrators who are not superusers; API
tokens are hashed, expire, and are made only by their owner, for themselves."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken

from apps.accounts import demo
from apps.accounts.models import StaffProfile, User
from apps.accounts.services import CLINIC_ADMIN_GROUP, staff_user_create
from apps.accounts.tokens import api_token_create
from apps.audit.models import AccessEvent

from ..factories import FamilyFactory, PatientFactory


@pytest.fixture
def clinic_admin(db):
    return staff_user_create(
        email="ruth@example.org",
        full_name="Ruth Records",
        role=StaffProfile.Role.CLINIC_ADMIN,
        password="x-long-admin-password-1",
        is_admin_site_user=True,
    )


def test_the_demo_clinic_administrator_is_not_a_superuser(db):
    staff = demo.seed()
    admin = staff[StaffProfile.Role.CLINIC_ADMIN]
    assert admin.is_staff and not admin.is_superuser
    assert admin.groups.filter(name=CLINIC_ADMIN_GROUP).exists()
    assert admin.has_perm("pathways.change_severityscale")
    assert admin.has_perm("referrals.change_serviceleveltarget")
    assert admin.has_perm("accounts.change_user") and not admin.has_perm("auth.change_group")


def test_the_admin_shows_no_childs_record(clinic_admin, client):
    PatientFactory(given_name="Secretia")
    client.force_login(clinic_admin)
    index = client.get("/admin/")
    assert index.status_code == 200
    for path in (
        "/admin/patients/patient/",
        "/admin/patients/guardianinvitation/",
        "/admin/referrals/referral/",
        "/admin/scheduling/appointment/",
        "/admin/documents/familydocument/",
        "/admin/tasks/task/",
        "/admin/notifications/notification/",
        "/admin/knox/authtoken/",
        "/admin/authtoken/token/",
    ):
        assert client.get(path).status_code == 404, path
    assert "Secretia" not in index.content.decode()
    for path in (
        "/admin/pathways/severityscale/",
        "/admin/referrals/serviceleveltarget/",
        "/admin/accounts/user/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/audit/accessevent/").status_code == 200
    assert not AccessEvent.objects.exists()  # nothing about a child was read


def test_a_clinic_administrator_cannot_escalate_or_take_over_accounts(clinic_admin, client):
    parent = FamilyFactory(email="parent@example.org")
    client.force_login(clinic_admin)
    family_page = client.get(f"/admin/accounts/user/{parent.pk}/change/")
    assert family_page.status_code == 200 and 'name="email"' not in family_page.content.decode()  # look only
    client.post(f"/admin/accounts/user/{parent.pk}/change/", {"email": "mine@example.org", "kind": "family"})
    parent.refresh_from_db()
    assert parent.email == "parent@example.org"
    for user in (parent, clinic_admin):
        assert client.get(f"/admin/accounts/user/{user.pk}/password/").status_code == 403
    page = client.get(f"/admin/accounts/user/{clinic_admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page


# --- API tokens -----------------------------------------------------------------------------------


def test_a_token_is_hashed_at_rest_and_works_as_its_owner(cast, api):
    token, raw = api_token_create(actor=cast.nurse_a)
    assert raw.startswith("cc_")
    assert raw not in str(list(AuthToken.objects.values_list("digest", "token_key")))
    assert len(token.digest) == 128  # SHA-512
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get(f"/api/v1/patients/{cast.child_a.pk}/").status_code == 200
    assert AccessEvent.objects.get(patient=cast.child_a).user == cast.nurse_a
    assert api.get(f"/api/v1/patients/{cast.child_b.pk}/").status_code == 404


def test_a_token_expires(cast, api):
    _token, raw = api_token_create(actor=cast.nurse_a)
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    later = timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    with time_machine.travel(later):
        assert api.get("/api/v1/patients/").status_code in (401, 403)


def test_the_account_page_makes_lists_and_revokes_the_owners_tokens(cast, client, api):
    client.force_login(cast.nurse_a)
    made = client.post("/account/", {"action": "create"})
    raw = made.context["new_token"]
    assert raw and raw in made.content.decode()
    token = AuthToken.objects.get()
    assert token.user == cast.nurse_a
    listed = client.get("/account/").content.decode()
    assert token.token_key[:8] in listed and raw not in listed
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/patients/").status_code == 200

    client.force_login(cast.nurse_other)  # someone else cannot revoke it
    client.post("/account/", {"action": "revoke", "token_key": token.token_key})
    assert AuthToken.objects.filter(pk=token.pk).exists()
    client.force_login(cast.nurse_a)
    client.post("/account/", {"action": "revoke", "token_key": token.token_key})
    assert not AuthToken.objects.exists()
    assert api.get("/api/v1/patients/").status_code in (401, 403)


def test_a_family_makes_their_own_token_on_their_account_page(cast, client):
    client.force_login(cast.family_a)
    assert "api-tokens" in client.get("/portal/account/").content.decode()
    made = client.post("/portal/account/api-tokens/", {"action": "create"})
    assert made.status_code == 200 and made.context["new_token"]
    assert AuthToken.objects.get().user == cast.family_a
    assert client.get("/account/").status_code == 404  # the staff page is not theirs


def test_no_page_mints_a_token_for_someone_else(cast, client):
    client.force_login(cast.admin)
    client.post("/account/", {"action": "create", "user": cast.family_a.pk})
    assert set(AuthToken.objects.values_list("user", flat=True)) == {cast.admin.pk}
    assert client.post("/admin/knox/authtoken/add/", {"user": cast.family_a.pk}).status_code in (302, 404)
    superuser = User.objects.create_superuser("root@example.org", "x-long-root-password-1", full_name="Root")
    client.force_login(superuser)  # not even a superuser: the token admin is gone
    assert client.post("/admin/knox/authtoken/add/", {"user": cast.family_a.pk}).status_code == 404
    assert set(AuthToken.objects.values_list("user", flat=True)) == {cast.admin.pk}


def test_tokens_per_person_are_limited(cast, settings):
    settings.API_TOKEN_LIMIT = 2
    api_token_create(actor=cast.nurse_a)
    api_token_create(actor=cast.nurse_a)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(actor=cast.nurse_a)
    assert User.objects.get(pk=cast.nurse_a.pk).auth_token_set.count() == 2
