"""Two transactions create the same family account at once (two siblings' rows of one import applied by
two deliveries): the second waits on the unique email, then takes the first's account instead of failing."""

import threading

import pytest
from django.db import connection, transaction

from apps.accounts.models import User
from apps.accounts.services import family_user_get_or_create


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_concurrent_creations_gets_the_first_account(require_postgres) -> None:
    held, release = threading.Event(), threading.Event()
    found: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                family_user_get_or_create(email="anne@example.org", full_name="Anne Aardvark")
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():  # the caller's transaction carries on after the lost race
                found["user"] = family_user_get_or_create(email="Anne@Example.org", full_name="Anne A")
                found["after"] = User.objects.filter(email="anne@example.org").count()
        except Exception as error:  # the test reports what went wrong
            found["error"] = error
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert held.wait(timeout=30)
    two = threading.Thread(target=second)
    two.start()
    two.join(timeout=0.5)
    assert two.is_alive()  # waiting on the first's uncommitted account
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)

    assert "error" not in found, found.get("error")
    account = User.objects.get(email="anne@example.org")
    assert found["user"].pk == account.pk and found["after"] == 1  # type: ignore[attr-defined]
    assert account.full_name == "Anne Aardvark" and account.kind == User.Kind.FAMILY
