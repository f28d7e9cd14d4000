"""No second-step secret is kept in clear: the authenticator app's key is encrypted (Fernet, key
from FIELD_ENCRYPTION_KEY or derived from SECRET_KEY) and backup codes are kept as keyed hashes."""

from base64 import b32encode
from binascii import hexlify

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from apps.accounts.models import AuthenticatorApp
from apps.accounts.security import at_rest

from ..factories import StaffFactory
from .test_two_factor import enrol, password_login


def _raw_rows(table: str, user_column: str, user_id: int) -> str:
    """Every column of the user's rows, as the database holds them, in one string."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {user_column} = %s", [user_id])  # noqa: S608
        return " ".join(str(value) for row in cursor.fetchall() for value in row).lower()


@pytest.fixture
def enrolled(client, db, settings):  # type: ignore[no-untyped-def]
    settings.STAFF_2FA_REQUIRED = True
    nurse = StaffFactory()
    password_login(client, nurse)
    device, codes = enrol(client, nurse)
    return nurse, device, codes


def test_the_database_holds_neither_the_app_key_nor_any_backup_code(enrolled):
    nurse, device, codes = enrolled
    key = device.bin_key
    app_row = _raw_rows("accounts_authenticatorapp", "user_id", nurse.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.* FROM accounts_backupcode c JOIN accounts_backupcodes d ON d.id = c.device_id"
            " WHERE d.user_id = %s",
            [nurse.pk],
        )
        rows = cursor.fetchall()
    code_rows = " ".join(str(value) for row in rows for value in row).lower()

    assert app_row and len(rows) == len(codes)  # the rows are there
    assert hexlify(key).decode() not in app_row
    assert b32encode(key).decode().lower() not in app_row
    assert len(codes) == 10
    for code in codes:
        assert code.lower() not in code_rows and code.lower() not in app_row


def test_the_key_decrypts_after_a_field_encryption_key_is_added(enrolled, settings):
    _nurse, device, _codes = enrolled
    key = device.bin_key
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    assert AuthenticatorApp.objects.get(pk=device.pk).bin_key == key  # old rows: the derived key
    newer = at_rest.encrypt(b"new secret")
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(Exception):  # noqa: B017 - the configured key is needed for what it encrypted
        at_rest.decrypt(newer)


def test_a_backup_code_checks_against_its_hash_and_works_once(enrolled, client):
    nurse, _device, codes = enrolled
    client.post("/logout/")
    password_login(client, nurse)

    assert client.post("/account/two-step/code/", {"code": codes[3]}).status_code == 302
    client.post("/logout/")
    password_login(client, nurse)
    assert client.post("/account/two-step/code/", {"code": codes[3]}).status_code == 400
