"""A clinic administrator cannot take over a staff account by changing its email address and then
resetting its two-step verification (or the other way round): each change is recorded, emailed to
the account's addresses through the outbox, ends its sessions and tokens, and holds the other (and
single sign-on) back for a day."""

import datetime

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from knox.models import AuthToken

from apps.accounts.models import AuthenticatorApp, StaffProfile, User
from apps.accounts.security import recovery, sso
from apps.accounts.security.two_factor import two_factor_reset
from apps.accounts.services import staff_user_create
from apps.accounts.tokens import api_token_create
from apps.notifications.models import Delivery

from ..factories import StaffFactory

NEW_EMAIL = "someone.else@example.org"


@pytest.fixture
def clinic_admin(db):  # type: ignore[no-untyped-def]
    return staff_user_create(
        email="ruth@example.org",
        full_name="Ruth Records",
        role=StaffProfile.Role.CLINIC_ADMIN,
        password="x-long-admin-password-1",
        is_admin_site_user=True,
    )


@pytest.fixture
def nurse(db):  # type: ignore[no-untyped-def]
    nurse = StaffFactory(email="nina@example.org")
    AuthenticatorApp.new_unsaved(user=nurse, name="Phone", confirmed=True).save()
    return nurse


def _admin_change_form_data(client, user: User, **changes: str) -> dict:  # type: ignore[no-untyped-def]
    """What the admin's account page posts back when only ``changes`` are edited."""
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled or name == "password":
            continue
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and not isinstance(value, list | tuple):
                    data[sub.add_prefix(name)] = str(value)
                elif isinstance(value, list | tuple):
                    data[sub.add_prefix(name)] = [str(v) for v in value]
    data.update(changes)
    return data


def test_an_email_change_in_the_admin_is_recorded_emailed_to_both_addresses_and_ends_sessions(
    client, clinic_admin, nurse, django_capture_on_commit_callbacks
):
    from django.test import Client

    nurse_browser = Client()
    nurse_browser.force_login(nurse)
    api_token_create(actor=nurse)
    assert nurse_browser.get("/account/two-step/code/").status_code == 200  # logged in

    client.force_login(clinic_admin)
    data = _admin_change_form_data(client, nurse, email=NEW_EMAIL)
    with django_capture_on_commit_callbacks():
        response = client.post(f"/admin/accounts/user/{nurse.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    nurse.refresh_from_db()
    assert nurse.email == NEW_EMAIL and nurse.email_changed_at is not None
    to = set(
        Delivery.objects.filter(subject__contains="email address was changed").values_list(
            "to_address", flat=True
        )
    )
    assert to == {"nina@example.org", NEW_EMAIL}
    assert LogEntry.objects.filter(object_id=str(nurse.pk), change_message__contains=NEW_EMAIL).exists()
    assert nurse_browser.get("/account/two-step/code/")["Location"].startswith("/login/")  # logged out
    assert not AuthToken.objects.filter(user=nurse).exists()


def test_two_step_cannot_be_reset_within_a_day_of_an_email_change(client, clinic_admin, nurse):
    recovery.account_email_change(actor=clinic_admin, user=nurse, new_email=NEW_EMAIL)
    client.force_login(clinic_admin)

    refused = client.post(
        "/admin/accounts/user/", {"action": "reset_two_step", "_selected_action": [nurse.pk]}, follow=True
    )

    assert "cannot be reset until" in refused.content.decode()
    assert AuthenticatorApp.objects.filter(user=nurse).exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        two_factor_reset(actor=clinic_admin, user=User.objects.get(pk=nurse.pk))
    assert not AuthenticatorApp.objects.filter(user=nurse).exists()


def test_a_two_step_reset_is_emailed_ends_sessions_and_holds_an_email_change(client, clinic_admin, nurse):
    from django.test import Client

    nurse_browser = Client()
    nurse_browser.force_login(nurse)
    two_factor_reset(actor=clinic_admin, user=nurse)

    assert Delivery.objects.filter(
        to_address=nurse.email, subject__contains="two-step verification was reset"
    ).exists()
    assert nurse_browser.get("/account/two-step/code/")["Location"].startswith("/login/")

    client.force_login(clinic_admin)
    data = _admin_change_form_data(client, nurse, email=NEW_EMAIL)
    page = client.post(f"/admin/accounts/user/{nurse.pk}/change/", data)
    assert page.status_code == 200
    assert "its email address cannot be changed until" in page.content.decode()
    assert User.objects.get(pk=nurse.pk).email == "nina@example.org"


def test_only_a_clinic_administrator_changes_an_email(nurse):
    other = StaffFactory()
    with pytest.raises(recovery.PermissionDenied):
        recovery.account_email_change(actor=other, user=nurse, new_email=NEW_EMAIL)
    assert User.objects.get(pk=nurse.pk).email == "nina@example.org"


def test_single_sign_on_will_not_open_an_account_whose_email_just_changed(clinic_admin, nurse, settings):
    recovery.account_email_change(actor=clinic_admin, user=nurse, new_email=NEW_EMAIL)
    claims = {"sub": "provider-subject-1", "email": NEW_EMAIL, "email_verified": True}

    with pytest.raises(sso.SignOnRefused) as refused:
        sso.staff_user_for_sign_on(claims=claims)
    assert refused.value.reason == "email just changed"
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert sso.staff_user_for_sign_on(claims=claims) == nurse


def test_unlinking_single_sign_on_is_the_administrators_recorded_and_emailed(client, clinic_admin, nurse):
    User.objects.filter(pk=nurse.pk).update(sso_subject="provider-subject-1")
    with pytest.raises(recovery.PermissionDenied):
        recovery.sign_on_unlink(actor=StaffFactory(), user=nurse)
    assert User.objects.get(pk=nurse.pk).sso_subject == "provider-subject-1"

    client.force_login(clinic_admin)
    client.post("/admin/accounts/user/", {"action": "unlink_sign_on", "_selected_action": [nurse.pk]})

    assert User.objects.get(pk=nurse.pk).sso_subject is None
    assert Delivery.objects.filter(to_address="nina@example.org", subject__contains="unlinked").exists()
    assert LogEntry.objects.filter(object_id=str(nurse.pk), change_message__contains="Unlinked").exists()
    claims = {"sub": "provider-subject-2", "email": "nina@example.org", "email_verified": True}
    assert sso.staff_user_for_sign_on(claims=claims) == nurse  # the next sign-on links afresh
    assert User.objects.get(pk=nurse.pk).sso_subject == "provider-subject-2"
