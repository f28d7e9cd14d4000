"""No usable invitation or password-reset link is ever stored: the outbox row has a redacted body and
the link is made when the email is sent. The emailed link still works, once."""

import re

import pytest
from django.core import mail

from apps.accounts.models import StaffProfile
from apps.accounts.services import staff_user_create
from apps.notifications.links import LINK_PLACEHOLDER
from apps.notifications.models import Delivery
from apps.notifications.tasks import deliver_email
from apps.patients import services as patients
from apps.patients.models import GuardianInvitation

from ..sent_mail import send_and_read

PASSWORD = "a-long-unusual-passphrase-42"


def invite(cast) -> GuardianInvitation:
    return patients.invitation_send(
        actor=cast.nurse_a,
        patient=cast.child_a,
        email="grace@example.org",
        full_name="Grace Guardian",
        relationship="grandparent",
    )


def secret_of(url_path_prefix: str, body: str) -> str:
    return re.search(rf"{url_path_prefix}([\w-]+(?:/[\w-]+)?)/", body).group(1)


def test_an_invitation_link_is_in_the_email_but_never_in_the_database_or_admin(cast, client):
    invite(cast)
    delivery = Delivery.objects.get(to_address="grace@example.org")
    assert LINK_PLACEHOLDER in delivery.body and "/portal/invite/" not in delivery.body
    email = send_and_read("grace@example.org")
    token = secret_of("/portal/invite/", email.body)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert token not in delivery.body
    assert not Delivery.objects.filter(body__contains=token).exists()
    admin = staff_user_create(
        email="root@example.org",
        full_name="Root",
        role=StaffProfile.Role.CLINIC_ADMIN,
        is_admin_site_user=True,
    )
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)
    for page in ("/admin/notifications/delivery/", f"/admin/notifications/delivery/{delivery.pk}/change/"):
        response = client.get(page)
        assert response.status_code == 200 and token not in response.content.decode()

    client.logout()
    link = f"/portal/invite/{token}/"
    assert client.get(link).status_code == 200
    client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert GuardianInvitation.objects.get().accepted_at is not None
    client.logout()
    assert "already been used" in client.get(link).content.decode()


def test_a_withdrawn_invitation_is_not_sent(cast):
    invitation = invite(cast)
    patients.invitation_revoke(actor=cast.nurse_a, invitation=invitation)
    delivery = Delivery.objects.get(to_address="grace@example.org")
    deliver_email(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and "no longer valid" in delivery.last_error
    assert not mail.outbox


def test_a_second_run_of_the_send_task_sends_nothing_and_keeps_the_first_link_working(cast, client):
    invite(cast)
    delivery = Delivery.objects.get(to_address="grace@example.org")
    deliver_email(delivery.pk)
    deliver_email(delivery.pk)  # a redelivered message
    assert len(mail.outbox) == 1
    token = secret_of("/portal/invite/", mail.outbox[0].body)
    assert client.get(f"/portal/invite/{token}/").status_code == 200


def test_a_password_reset_link_is_made_when_sent_and_works_once(cast, client):
    cast.family_a.set_password("an-old-password-123")
    cast.family_a.save(update_fields=["password"])
    client.post("/password-reset/", {"email": cast.family_a.email})
    delivery = Delivery.objects.get(to_address=cast.family_a.email)
    assert "/password-reset/" not in delivery.body.replace("/password-reset/sent/", "")
    email = send_and_read(cast.family_a.email)
    path = re.search(r"http://testserver(/password-reset/\S+/)", email.body).group(1)
    delivery.refresh_from_db()
    assert path not in delivery.body
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    client.post(form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert not client.get(path, follow=True).context["validlink"]


@pytest.mark.parametrize("kind", ["invitation", "password_reset"])
def test_an_email_with_a_secret_link_needs_the_placeholder(db, kind):
    from apps.notifications.services import email_enqueue

    with pytest.raises(ValueError):
        email_enqueue(to_address="x@example.org", subject="s", body="http://x/raw-token/", link=(kind, 1))
