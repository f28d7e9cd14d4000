import re

import pytest

from apps.notifications.models import Delivery

from ..factories import PASSWORD, FamilyFactory, StaffFactory
from ..sent_mail import send_and_read


@pytest.fixture
def nurse(db):
    return StaffFactory(email="nurse@example.org")


@pytest.fixture
def parent(db):
    return FamilyFactory(email="parent@example.org")


def test_staff_log_in_on_the_staff_page_and_land_on_the_caseload(client, nurse):
    response = client.post("/login/", {"username": "NURSE@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/caseload/"


def test_families_log_in_on_their_page_and_land_in_the_portal(client, parent):
    response = client.post("/portal/login/", {"username": "parent@example.org", "password": PASSWORD})
    assert response["Location"] == "/portal/"


def test_each_login_page_refuses_the_other_kind_of_account(client, nurse, parent):
    # The message still points to the right page, but it is the wrong-password message: the page
    # never confirms that a password was right (issue 10).
    response = client.post("/login/", {"username": "parent@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Enter a correct email address and password. "
        "This is the staff login. Families please use the family login page."
    ]
    assert "_auth_user_id" not in client.session
    response = client.post("/portal/login/", {"username": "nurse@example.org", "password": PASSWORD})
    assert response.context["form"].non_field_errors() == [
        "Enter a correct email address and password. "
        "This is the family login. Staff please use the staff login page."
    ]


def test_a_wrong_password_is_refused(client, nurse):
    response = client.post("/login/", {"username": "nurse@example.org", "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, nurse):
    client.force_login(nurse)
    response = client.post("/logout/")
    assert response.status_code == 200
    assert client.get("/caseload/").status_code == 302


def test_root_sends_each_user_home(client, nurse, parent):
    assert client.get("/")["Location"] == "/login/"
    client.force_login(nurse)
    assert client.get("/")["Location"] == "/caseload/"
    client.force_login(parent)
    assert client.get("/")["Location"] == "/portal/"


def test_staff_pages_are_404_for_families_and_portal_pages_404_for_staff(client, nurse, parent):
    client.force_login(parent)
    assert client.get("/caseload/").status_code == 404
    client.force_login(nurse)
    assert client.get("/portal/").status_code == 404


def test_password_reset_email_goes_through_the_outbox_and_the_link_works(client, parent):
    response = client.post("/password-reset/", {"email": "parent@example.org"})
    assert response["Location"] == "/password-reset/sent/"
    delivery = Delivery.objects.get(to_address="parent@example.org")
    assert delivery.status == Delivery.Status.PENDING
    link = re.search(
        r"http://testserver(/password-reset/\S+/)", send_and_read(delivery.to_address).body
    ).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Long-new-pass-42", "new_password2": "a-Long-new-pass-42"},
    )
    assert done["Location"] == "/password-reset/done/"
    parent.refresh_from_db()
    assert parent.check_password("a-Long-new-pass-42")


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client, db):
    response = client.post("/password-reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/password-reset/sent/"
    assert not Delivery.objects.exists()
