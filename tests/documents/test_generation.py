"""Generated letters: rendered to a real PDF with no network, stored for the child, versioned when
regenerated, staff-only until released, and the family's download is audited."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.audit.models import AccessEvent
from apps.documents import generation, selectors
from apps.documents.models import FamilyDocument
from apps.notifications.models import Notification
from carecoord.errors import ApplicationError

TEMPLATE = "documents/letters/base.html"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _generate(cast, actor=None):
    return generation.document_generate(
        actor=actor or cast.nurse_a,
        patient=cast.child_a,
        kind="test_letter",
        series_key=f"test:{cast.child_a.pk}",
        title="Letter for the family",
        template=TEMPLATE,
        context={},
    )


def test_a_generated_letter_is_a_pdf_naming_the_child_and_held_back_from_the_family(cast):
    document = _generate(cast)

    data = document.file.read()
    assert data.startswith(b"%PDF-") and document.size == len(data)
    assert document.version == 1 and document.kind == "test_letter" and not document.is_released
    assert list(selectors.documents_for_family(patient=cast.child_a)) == []
    assert not Notification.objects.filter(recipient=cast.family_a).exists()


def test_the_renderer_refuses_every_url(cast):
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher = __import__("weasyprint").URLFetcher(allowed_protocols=("data",))
        fetcher("https://example.org/tracker.png")
    pdf = generation.render_pdf(template=TEMPLATE, context={"patient": cast.child_a, "version": 1})
    assert pdf.startswith(b"%PDF-")


def test_regenerating_adds_a_version_and_the_family_keeps_the_released_one_until_the_next_release(cast):
    first = _generate(cast)
    generation.document_release(actor=cast.nurse_a, document=first)
    second = _generate(cast)

    assert second.version == 2 and FamilyDocument.objects.filter(series_key=first.series_key).count() == 2
    assert list(selectors.documents_for_family(patient=cast.child_a)) == [first]
    generation.document_release(actor=cast.nurse_a, document=second)
    assert list(selectors.documents_for_family(patient=cast.child_a)) == [second]
    first.refresh_from_db()
    assert first.superseded_at is not None and first.file.read().startswith(b"%PDF-")  # kept
    assert second.download_name.endswith("-v2.pdf")


def test_release_is_once_only_and_only_of_the_latest_version(cast):
    first = _generate(cast)
    _generate(cast)
    with pytest.raises(ApplicationError, match="newer version"):
        generation.document_release(actor=cast.nurse_a, document=first)
    latest = selectors.latest_in_series(patient=cast.child_a, series_key=first.series_key)
    assert latest is not None
    generation.document_release(actor=cast.nurse_a, document=latest)
    with pytest.raises(ApplicationError, match="already been released"):
        generation.document_release(actor=cast.nurse_a, document=latest)


def test_families_and_staff_who_do_not_see_the_child_cannot_generate_or_release(cast):
    with pytest.raises(PermissionDenied):
        _generate(cast, actor=cast.family_a)
    with pytest.raises(PermissionDenied):
        _generate(cast, actor=cast.nurse_other)
    document = _generate(cast)
    with pytest.raises(PermissionDenied):
        generation.document_release(actor=cast.family_a, document=document)
    assert not FamilyDocument.objects.get(pk=document.pk).is_released


def test_staff_release_on_the_page_then_the_family_downloads_it_audited(client_for, cast):
    document = _generate(cast)
    family = client_for(cast.family_a)
    url = f"/portal/children/{cast.child_a.pk}/documents/{document.pk}/"
    assert family.get(url).status_code == 404  # not released yet

    page = client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/documents/").content.decode()
    assert "Not released: the family cannot see it" in page
    response = client_for(cast.nurse_a).post(f"/patients/{cast.child_a.pk}/documents/{document.pk}/release/")
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=cast.family_a, kind="document_shared").exists()

    download = client_for(cast.family_a).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert AccessEvent.objects.filter(
        user=cast.family_a, patient=cast.child_a, what="document download"
    ).exists()


def test_api_release_answers_the_staff_view_and_a_family_gets_403(api_for, cast):
    document = _generate(cast)
    generation.document_release(actor=cast.nurse_a, document=document)
    second = _generate(cast)

    refused = api_for(cast.family_a).post(f"/api/v1/documents/{document.pk}/release/")
    assert refused.status_code == 403
    answer = api_for(cast.nurse_a).post(f"/api/v1/documents/{second.pk}/release/")
    assert answer.status_code == 200 and answer.json()["version"] == 2 and answer.json()["released_at"]
    again = api_for(cast.nurse_a).post(f"/api/v1/documents/{second.pk}/release/")
    assert again.status_code == 409
