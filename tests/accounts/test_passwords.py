"""Password rules: 12 characters for staff and admin accounts, 10 for families, never like the
person's name or email; reset links last one hour."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import User

from ..factories import FamilyFactory, StaffFactory
from ..sent_mail import send_and_read


def _refusals(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


STAFF = User(email="sam.okafor@nhs.example", full_name="Sam Okafor", kind=User.Kind.STAFF)
FAMILY = User(email="jo.bloggs@example.org", full_name="Jo Bloggs", kind=User.Kind.FAMILY)
ADMIN_SITE_FAMILY_KIND = User(email="x@example.org", full_name="X", kind=User.Kind.FAMILY, is_staff=True)


@pytest.mark.parametrize(
    ("user", "password", "ok"),
    [
        (STAFF, "plum-kite-74", True),  # 12
        (STAFF, "plum-kite-7", False),  # 11
        (FAMILY, "plum-kit-7", True),  # 10
        (FAMILY, "plum-kit7", False),  # 9
        (ADMIN_SITE_FAMILY_KIND, "plum-kite-7", False),  # admin-site accounts count as staff
    ],
)
def test_the_minimum_length_depends_on_the_kind_of_account(user, password, ok):
    refusals = _refusals(password, user)
    assert (not any("too short" in message for message in refusals)) is ok


@pytest.mark.parametrize("password", ["SamOkafor2024!", "okafor-sam-1!", "sam.okafor@nhs"])
def test_a_password_like_the_persons_own_name_or_email_is_refused(password):
    assert any("too similar" in message for message in _refusals(password, STAFF))


def test_password_reset_links_last_one_hour(client, db, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    FamilyFactory(email="parent@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/password-reset/", {"email": "parent@example.org"})
        sent = send_and_read("parent@example.org")  # the link is made when the email is sent
    link = re.search(r"http://testserver(/password-reset/\S+/)", sent.body).group(1)
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        assert not client.get(link, follow=True).context["validlink"]
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        assert client.get(link, follow=True).context["validlink"]


def test_the_reset_email_says_how_long_its_link_works(client, db):
    from apps.notifications.models import Delivery

    nurse = StaffFactory()
    client.post("/password-reset/", {"email": nurse.email})
    body = Delivery.objects.get(to_address=nurse.email).body
    assert "use this link within 1 hour." in body and "days" not in body
