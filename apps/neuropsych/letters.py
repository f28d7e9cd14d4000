"""The school-support letter: staff draft it from the latest assessment's recommendations (the text is
what the record holds, in plain words), review and edit it, then release it to the family as a
document. Each edit regenerates the PDF as a new version; the family sees only a released version,
and nothing is sent to the school: the family passes the letter on.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.documents.generation import document_generate, release_in_transaction
from apps.patients.models import Patient
from carecoord.dates import family_date
from carecoord.errors import ApplicationError, refuse_unless
from carecoord.history import save_with_history

from .models import Assessment, SchoolLetter, SchoolSupport
from .services import CLINICIANS_ONLY, can_keep_school_support

LETTER_KIND = "school_support"
TEMPLATE = "documents/letters/school_support.html"
TITLE = "Letter for school: support for learning"


def draft_text(assessment: Assessment) -> str:
    """The starting text: who assessed the child and when, the recommendations and each domain's
    result as recorded. No advice is added here; staff edit it before release."""
    patient = assessment.patient
    lines = [
        f"{patient.given_name} had a neuropsychology assessment on {family_date(assessment.assessed_on)} "
        f"with {assessment.assessed_by.full_name}. The results below may help school plan support.",
        "",
        "What we recommend",
        assessment.recommendations,
        "",
        "Results by area",
    ]
    for result in assessment.results.all():
        note = f" {result.notes}" if result.notes else ""
        lines.append(f"- {result.get_domain_display()}: {result.get_band_display().lower()}.{note}")
    return "\n".join(lines)


def _generate(actor: User, letter: SchoolLetter) -> None:
    support = SchoolSupport.objects.filter(patient_id=letter.patient_id).first()
    letter.document = document_generate(
        actor=actor,
        patient=letter.patient,
        kind=LETTER_KIND,
        series_key=f"school-letter:{letter.pk}",
        title=TITLE,
        template=TEMPLATE,
        context={"body": letter.body, "support": support},
    )
    save_with_history(letter, actor=actor, update_fields=["document"])


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["The letter cannot be empty."]})
    if len(body) > 10000:
        raise ValidationError({"body": ["Keep the letter to 10000 characters or fewer."]})
    return body


def school_letter_draft(*, actor: User, patient: Patient) -> SchoolLetter:
    """Start a letter from the latest assessment; its PDF is version 1, for staff until released."""
    refuse_unless(can_keep_school_support(actor, patient), CLINICIANS_ONLY)
    assessment = (
        Assessment.objects.filter(patient=patient)
        .select_related("assessed_by", "patient")
        .prefetch_related("results")
        .first()
    )
    if assessment is None:
        raise ValidationError({"assessment": ["Record a neuropsychology assessment first."]})
    with transaction.atomic(durable=True):
        letter = SchoolLetter(
            patient=patient, assessment=assessment, body=draft_text(assessment), created_by=actor
        )
        save_with_history(letter, actor=actor)
        _generate(actor, letter)
    return letter


def school_letter_edit(*, actor: User, letter: SchoolLetter, body: str) -> SchoolLetter:
    """Save the edited text and regenerate the PDF as the next version (a released one stays released
    until this version is released in its place)."""
    refuse_unless(can_keep_school_support(actor, letter.patient), CLINICIANS_ONLY)
    body = _body(body)
    with transaction.atomic(durable=True):
        locked = SchoolLetter.objects.select_for_update().select_related("patient").get(pk=letter.pk)
        if locked.body == body:
            raise ValidationError({"body": ["Nothing has changed in the text."]})
        locked.body, locked.edited_by, locked.edited_at = body, actor, timezone.now()
        save_with_history(locked, actor=actor, update_fields=["body", "edited_by", "edited_at"])
        _generate(actor, locked)
    return locked


def school_letter_release(*, actor: User, letter: SchoolLetter) -> SchoolLetter:
    """Release the latest version to the family: it appears in their documents and they are told."""
    refuse_unless(can_keep_school_support(actor, letter.patient), CLINICIANS_ONLY)
    with transaction.atomic(durable=True):
        locked = (
            SchoolLetter.objects.select_for_update(of=("self",)).select_related("document").get(pk=letter.pk)
        )
        if locked.document is None:
            raise ApplicationError.stale("This letter has no generated version yet.")
        release_in_transaction(actor=actor, document=locked.document)
    locked.document.refresh_from_db()
    return locked
