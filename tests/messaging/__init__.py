"""Shared helpers for the messaging tests: file contents by their first bytes, and quick writers."""

import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.messaging import services
from apps.messaging.models import Thread

LONDON = ZoneInfo("Europe/London")

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in London time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def upload(name: str = "scan.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def start(actor, patient, body: str = "Alice was wobbly this morning.", **fields) -> Thread:
    fields.setdefault("subject", "Wobbly walking")
    return services.thread_start(actor=actor, patient=patient, body=body, **fields)


def reply(actor, thread: Thread, body: str = "Thanks, we will call you today."):
    return services.message_post(actor=actor, thread=thread, body=body)
