"""Demo conversations, a symptom report and a clinic letter for the family portal."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.documents.models import FamilyDocument
from apps.documents.services import document_upload
from apps.pathways.services import symptom_report_submit
from apps.patients.models import Guardian, Patient
from carecoord import demo

from . import services
from .models import Thread

Role = StaffProfile.Role
# A one-page PDF, small enough to keep in the source.
_LETTER = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _guardian(patient: Patient) -> User:
    return Guardian.objects.filter(patient=patient, is_active=True).select_related("user").first().user  # type: ignore[union-attr]


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    if Thread.objects.exists():
        return
    nurse, neuro = staff[Role.NURSE_SPECIALIST], staff[Role.CONSULTANT]
    by_number = {p.hospital_number: p for p in patients}
    maya, leo, isla = by_number["RCH100200"], by_number["RCH100201"], by_number["RCH100203"]
    # Maya's family asked about the IVIG day and the nurse answered.
    thread = services.thread_start(
        actor=_guardian(maya),
        patient=maya,
        subject="IVIG day next week",
        body="Hello, can Maya eat before the IVIG infusion next week? And should we bring her own cup?",
    )
    services.message_post(
        actor=nurse,
        thread=thread,
        body="Yes, she can eat and drink as normal, and her own cup is a good idea. See you on the day ward. Sam",
    )
    # Leo's family are waiting, past the response target (demo only: the wait is backdated).
    waiting = services.thread_start(
        actor=_guardian(leo),
        patient=leo,
        subject="Wobbly again after a cold",
        body="Leo has been more unsteady since his cold at the weekend. Should we be worried?",
    )
    Thread.objects.filter(pk=waiting.pk).update(
        awaiting_reply_since=timezone.now() - datetime.timedelta(days=3)
    )
    services.threads_escalate_unanswered()
    # A staff-only discussion the family never sees.
    services.thread_start(
        actor=neuro,
        patient=maya,
        kind=Thread.Kind.STAFF_ONLY,
        subject="MDT discussion: step-down plan",
        body="For MDT on Thursday: Maya's scores are stable; consider stepping down IVIG after cycle 6.",
    )
    # Isla's family report symptoms coming back.
    symptom_report_submit(
        actor=_guardian(isla),
        patient=isla,
        unsteady="a_little",
        jerky_movements="a_little",
        eye_movements="no",
        sleep="a_lot",
        behaviour="a_lot",
        speech="no",
        recent_illness="yes",
        free_text="Since a fever on Sunday she is waking every hour and very cross.",
    )
    if not FamilyDocument.objects.exists():
        document_upload(
            actor=nurse,
            patient=maya,
            title="Clinic letter",
            dated=timezone.localdate() - datetime.timedelta(days=14),
            upload=SimpleUploadedFile("clinic-letter.pdf", _LETTER, content_type="application/pdf"),
        )


# Uses pathways (symptom report) and documents; last, as before.
demo.register("messaging", seed, uses=["accounts", "patients"], after=["pathways", "scheduling"])
