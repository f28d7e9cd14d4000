"""Fault helpers for the integration tests: a Redis that hangs, and dropping a database connection."""

import socket
import threading
import time

import psycopg
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.db import connection


class BlackHoleBroker:
    """Accepts TCP connections and never answers: what clients see of a SIGSTOPped Redis.

    (Stopping the machine's real Redis would break everyone else sharing it.)
    """

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._held: list[socket.socket] = []
        self._open = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._server.getsockname()[1]}/0"

    def _accept(self) -> None:
        while self._open:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._held.append(conn)  # read nothing, answer nothing

    def close(self) -> None:
        self._open = False
        self._server.close()
        for conn in self._held:
            conn.close()


def terminate_backend(pid: int) -> None:
    """Drop one PostgreSQL session from outside, as a failover or a network cut would."""
    settings = connection.settings_dict
    dsn = f"dbname={settings['NAME']} user={settings['USER'] or 'postgres'} host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


class AcceptThenHangBackend(FileEmailBackend):
    """The SMTP server accepted the message (a file is written), then the worker hangs before it can
    mark the row sent: the moment a SIGKILL does the most harm."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        sent = super().send_messages(email_messages)
        time.sleep(120)
        return sent


class HangOnAddressBackend(FileEmailBackend):
    """Like ``AcceptThenHangBackend``, but only for a message to an address starting "hang": a batch
    sends the rows before it, then its worker hangs in the middle of the batch."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        sent = super().send_messages(email_messages)
        if any(to.startswith("hang") for message in email_messages for to in message.to):
            time.sleep(120)
        return sent
