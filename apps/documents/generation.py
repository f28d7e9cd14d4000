"""Generated letters: a Django template in templates/documents/ rendered to PDF (WeasyPrint), stored as
a FamilyDocument for the child, versioned when regenerated, and released to the family explicitly.

Nothing here writes clinical text: the templates lay out what the record holds and what a clinician
wrote or edited. The renderer fetches nothing: the stylesheet is read from the static file and every
URL in a template is refused (``data:`` only), so a document renders the same with no network.
"""

import datetime
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import ApplicationError
from carecoord.history import save_with_history, update_with_history

from .models import FamilyDocument
from .services import require_staff_who_sees, tell_guardians

STYLESHEET = "css/documents.css"
# Kinds whose release belongs to another record (an MDT outcome goes out with its family wording):
# the generic release refuses them with this message; the owner calls ``release_in_transaction``.
RELEASED_ELSEWHERE: dict[str, str] = {}


def release_belongs_to(kind: str, message: str) -> None:
    """An app that owns a kind of letter registers it at start-up (see apps/mdt/apps.py)."""
    RELEASED_ELSEWHERE[kind] = message


def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if not path or isinstance(path, list):
        raise RuntimeError(f"The document stylesheet {STYLESHEET} is missing from the static files.")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def render_pdf(*, template: str, context: dict[str, Any]) -> bytes:
    """The PDF of a document template. Imported lazily: WeasyPrint loads pango when imported."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    html = render_to_string(template, context)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="data:,")
    css = weasyprint.CSS(string=_stylesheet(), url_fetcher=fetcher, base_url="data:,")
    pdf: bytes = document.write_pdf(stylesheets=[css])
    return pdf


def document_generate(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    series_key: str,
    title: str,
    template: str,
    context: dict[str, Any],
    dated: datetime.date | None = None,
) -> FamilyDocument:
    """Render ``template`` and store it as the next version of the series (version 1 the first time).

    Joins the caller's transaction (a letter is usually generated with the record it describes). The
    new version is staff-only until ``document_release``; an earlier released version stays what the
    family sees until then. Two people generating at the same moment: one gets a 409.
    """
    require_staff_who_sees(actor, patient.pk)
    title = (title or "").strip()
    if not title or len(title) > 150:
        raise ValidationError({"title": ["Give the letter a title of 150 characters or fewer."]})
    dated = dated or timezone.localdate()
    full_context = {
        **context,
        "patient": patient,
        "title": title,
        "dated": dated,
        "generated_by": actor,
        "generated_at": timezone.now(),
    }
    with transaction.atomic():
        latest = FamilyDocument.objects.filter(patient=patient, series_key=series_key).aggregate(
            v=Max("version")
        )["v"]
        version = (latest or 0) + 1
        pdf = render_pdf(template=template, context={**full_context, "version": version})
        document = FamilyDocument(
            patient=patient,
            title=title,
            dated=dated,
            content_type="application/pdf",
            size=len(pdf),
            uploaded_by=actor,
            kind=kind,
            series_key=series_key,
            version=version,
        )
        document.file = ContentFile(pdf, name="letter.pdf")
        try:
            with transaction.atomic():
                save_with_history(document, actor=actor)
        except IntegrityError as exc:
            raise ApplicationError.stale(
                "Someone else generated this letter at the same moment. Reload the page to see it."
            ) from exc
    return document


def release_in_transaction(*, actor: User, document: FamilyDocument) -> FamilyDocument:
    """Inside the caller's transaction: release one generated version and supersede earlier ones."""
    require_staff_who_sees(actor, document.patient_id)
    locked = FamilyDocument.objects.select_for_update().select_related("patient").get(pk=document.pk)
    if locked.is_withdrawn:
        raise ApplicationError.stale("This letter was withdrawn; generate a new version instead.")
    if locked.released_at is not None:
        raise ApplicationError.stale("This letter has already been released to the family.")
    newer = FamilyDocument.objects.filter(
        patient_id=locked.patient_id, series_key=locked.series_key, version__gt=locked.version
    )
    if locked.series_key and newer.exists():
        raise ApplicationError.stale("There is a newer version of this letter: release that one.")
    now = timezone.now()
    locked.released_at, locked.released_by = now, actor
    save_with_history(locked, actor=actor, update_fields=["released_at", "released_by"])
    if locked.series_key:
        earlier = FamilyDocument.objects.filter(
            patient_id=locked.patient_id,
            series_key=locked.series_key,
            version__lt=locked.version,
            released_at__isnull=False,
            superseded_at__isnull=True,
        )
        update_with_history(earlier, actor=actor, superseded_at=now)
    tell_guardians(patient=locked.patient, title=locked.title)
    return locked


def document_release(*, actor: User, document: FamilyDocument) -> FamilyDocument:
    """A member of staff releases a generated letter to the family: it appears in the portal (replacing
    an earlier released version) and every guardian is told. Who released it and when is kept."""
    if document.kind in RELEASED_ELSEWHERE:
        raise ApplicationError.stale(RELEASED_ELSEWHERE[document.kind])
    with transaction.atomic(durable=True):
        return release_in_transaction(actor=actor, document=document)
