"""The school-support letter: drafted from the latest recommendations, edited (each edit a new PDF
version), released to the family as a document; the family downloads it, audited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AccessEvent
from apps.documents import selectors as documents
from apps.neuropsych import letters, services
from apps.neuropsych.models import SchoolLetter

R = services.ResultSpec


@pytest.fixture
def assessed(cast, neuropsychologist):  # type: ignore[no-untyped-def]
    return services.assessment_record(
        actor=neuropsychologist,
        patient=cast.child_a,
        assessed_on=datetime.date(2026, 3, 18),
        assessed_by=neuropsychologist,
        results=[R("attention", 2, "Needs prompts to start tasks."), R("motor", 3)],
        recommendations="Short, one-step instructions. Extra time in tests.",
    )


def test_a_draft_uses_the_recorded_recommendations_and_is_held_back(cast, neuropsychologist, assessed):
    letter = letters.school_letter_draft(actor=neuropsychologist, patient=cast.child_a)

    assert "Short, one-step instructions. Extra time in tests." in letter.body
    assert "- Attention: below average. Needs prompts to start tasks." in letter.body
    assert letter.document.file.read().startswith(b"%PDF-") and letter.document.version == 1
    assert list(documents.documents_for_family(patient=cast.child_a)) == []


def test_editing_makes_a_new_version_and_release_shows_only_the_latest(cast, neuropsychologist, assessed):
    letter = letters.school_letter_draft(actor=neuropsychologist, patient=cast.child_a)
    letter = letters.school_letter_edit(actor=cast.nurse_a, letter=letter, body="Edited text for school.")
    assert letter.document.version == 2 and letter.body == "Edited text for school."
    with pytest.raises(ValidationError) as same:
        letters.school_letter_edit(actor=cast.nurse_a, letter=letter, body="Edited text for school.")
    assert same.value.message_dict["body"] == ["Nothing has changed in the text."]

    letters.school_letter_release(actor=cast.nurse_a, letter=letter)
    assert [(d.kind, d.version) for d in documents.documents_for_family(patient=cast.child_a)] == [
        ("school_support", 2)
    ]


def test_a_draft_needs_an_assessment_and_the_family_cannot_draft(cast, neuropsychologist):
    with pytest.raises(ValidationError) as exc:
        letters.school_letter_draft(actor=neuropsychologist, patient=cast.child_a)
    assert exc.value.message_dict["assessment"] == ["Record a neuropsychology assessment first."]
    with pytest.raises(PermissionDenied):
        letters.school_letter_draft(actor=cast.family_a, patient=cast.child_a)
    assert not SchoolLetter.objects.exists()


def test_staff_edit_and_release_on_the_page_then_the_family_downloads_it(client_for, cast, assessed):
    base = f"/patients/{cast.child_a.pk}/neuropsychology/school-letters/"
    staff = client_for(cast.nurse_a)
    drafted = staff.post(base)
    letter = SchoolLetter.objects.get()
    assert drafted.status_code == 302 and drafted.url == f"{base}{letter.pk}/"
    empty = staff.post(f"{base}{letter.pk}/", {"body": ""})
    assert empty.status_code == 400 and "The letter cannot be empty." in empty.content.decode()
    assert (
        staff.post(f"{base}{letter.pk}/", {"body": "Dear school, please allow extra time."}).status_code
        == 302
    )
    assert staff.post(f"{base}{letter.pk}/release/").status_code == 302

    letter.refresh_from_db()
    family = client_for(cast.family_a)
    listing = family.get(f"/portal/children/{cast.child_a.pk}/documents/").content.decode()
    assert "Letter for school" in listing
    download = family.get(f"/portal/children/{cast.child_a.pk}/documents/{letter.document_id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert AccessEvent.objects.filter(user=cast.family_a, what="document download").exists()
