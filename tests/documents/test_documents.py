"""Letters for families: staff share a PDF or image (checked by content and size, with the referral letter
check), families see and download only their own child's, and every download is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.documents import services
from apps.documents.models import FamilyDocument
from apps.notifications.models import Delivery, Notification
from carecoord.errors import ApplicationError

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(actor, patient, content=PDF, name="letter.pdf", title="Clinic letter, March"):
    return services.document_upload(
        actor=actor,
        patient=patient,
        title=title,
        dated=timezone.localdate(),
        upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
    )


def _post(client, cast, content=PDF, name="letter.pdf", **fields):
    data = {"title": "Advice for school", "dated": timezone.localdate().isoformat(), **fields}
    data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(f"/patients/{cast.child_a.pk}/documents/", data)


def test_staff_share_a_letter_and_the_family_is_told(client_for, cast):
    response = _post(client_for(cast.nurse_a), cast)

    assert response.status_code == 302
    document = FamilyDocument.objects.get()
    assert document.title == "Advice for school" and document.content_type == "application/pdf"
    assert document.size == len(PDF) and document.uploaded_by == cast.nurse_a
    assert cast.child_a.given_name not in document.file.name  # random stored name
    notification = Notification.objects.get(recipient=cast.family_a)
    assert notification.url == f"/portal/children/{cast.child_a.pk}/documents/"
    email = Delivery.objects.get(to_address=cast.family_a.email)
    assert "school" not in email.body.lower() and cast.child_a.given_name not in email.body


def test_the_family_lists_and_downloads_and_each_download_is_audited(client_for, cast):
    document = _upload(cast.nurse_a, cast.child_a)
    family = client_for(cast.family_a)

    listing = family.get(f"/portal/children/{cast.child_a.pk}/documents/")
    assert listing.status_code == 200 and "Clinic letter, March" in listing.content.decode()
    child_page = family.get(f"/portal/children/{cast.child_a.pk}/").content.decode()
    assert f"/portal/children/{cast.child_a.pk}/documents/{document.pk}/" in child_page

    for expected in (1, 2):
        response = family.get(f"/portal/children/{cast.child_a.pk}/documents/{document.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "clinic-letter-march.pdf" in response["Content-Disposition"]
        downloads = AccessEvent.objects.filter(
            user=cast.family_a, patient=cast.child_a, what="document download"
        )
        assert downloads.count() == expected


def test_staff_downloads_are_audited_too(client_for, cast):
    document = _upload(cast.nurse_a, cast.child_a)
    response = client_for(cast.nurse_glass).get(f"/patients/{cast.child_a.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    event = AccessEvent.objects.get(user=cast.nurse_glass, what="document download")
    assert event.via_break_glass


def test_an_image_is_accepted_by_its_content(cast):
    document = _upload(
        cast.nurse_a, cast.child_a, content=PNG, name="scan.pdf"
    )  # the name lies; content wins
    assert document.content_type == "image/png" and document.file.name.endswith(".png")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "letter.pdf", "Only PDF, PNG or JPEG files can be attached."),
        (
            b"<html><script>alert(1)</script></html>",
            "letter.html",
            "Only PDF, PNG or JPEG files can be attached.",
        ),
        (b"", "empty.pdf", "The file is empty."),
        (b"%PDF-1.4\n" + b"0" * (11 * MB), "huge.pdf", "The file is too large: the limit is 10 MB."),
    ],
)
def test_wrong_types_and_sizes_are_refused_with_a_clear_message(
    client_for, cast, tmp_path, content, name, message
):
    response = _post(client_for(cast.nurse_a), cast, content=content, name=name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FamilyDocument.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not Notification.objects.exists()


def test_a_title_and_a_past_date_are_required(client_for, cast):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    client = client_for(cast.nurse_a)
    untitled = _post(client, cast, title=" ")
    assert untitled.status_code == 400
    assert "Give the document a title" in untitled.content.decode()
    future = _post(client, cast, dated=tomorrow)
    assert future.status_code == 400
    assert future.context["form"].errors["dated"] == ["The date cannot be in the future."]
    assert not FamilyDocument.objects.exists()
    with pytest.raises(ValidationError) as exc:
        _upload(cast.nurse_a, cast.child_a, title="   ")
    assert "title" in exc.value.message_dict


def test_a_withdrawn_document_disappears_from_the_portal(client_for, cast):
    document = _upload(cast.nurse_a, cast.child_a)
    staff = client_for(cast.nurse_a)
    assert staff.post(f"/patients/{cast.child_a.pk}/documents/{document.pk}/withdraw/").status_code == 302
    document.refresh_from_db()
    assert document.is_withdrawn and document.withdrawn_at is not None

    family = client_for(cast.family_a)
    listing = family.get(f"/portal/children/{cast.child_a.pk}/documents/")
    assert list(listing.context["documents"]) == []
    assert f"/documents/{document.pk}/" not in listing.content.decode()
    assert family.get(f"/portal/children/{cast.child_a.pk}/documents/{document.pk}/").status_code == 404
    with pytest.raises(ApplicationError) as exc:
        services.document_withdraw(actor=cast.nurse_a, document=document)
    assert exc.value.code == "stale"


def test_families_see_only_their_own_childs_documents(client_for, cast):
    mine = _upload(cast.nurse_a, cast.child_a)
    family_b = client_for(cast.family_b)
    # Another child's list and file: 404, whichever child's address is used.
    assert family_b.get(f"/portal/children/{cast.child_a.pk}/documents/").status_code == 404
    assert family_b.get(f"/portal/children/{cast.child_a.pk}/documents/{mine.pk}/").status_code == 404
    assert family_b.get(f"/portal/children/{cast.child_b.pk}/documents/{mine.pk}/").status_code == 404
    assert family_b.get(f"/portal/children/{cast.child_b.pk}/documents/").status_code == 200
    assert not AccessEvent.objects.filter(user=cast.family_b, patient=cast.child_a).exists()


@pytest.mark.parametrize("subject", ["family_a", "family_b", "nurse_other"])
def test_only_staff_who_see_the_child_reach_the_staff_pages(client_for, cast, subject):
    document = _upload(cast.nurse_a, cast.child_a)
    client = client_for(getattr(cast, subject))
    base = f"/patients/{cast.child_a.pk}/documents/"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}{document.pk}/").status_code == 404
    assert client.post(f"{base}{document.pk}/withdraw/").status_code == 404
    assert _post(client, cast).status_code == 404
    assert FamilyDocument.objects.count() == 1 and not FamilyDocument.objects.get().is_withdrawn


def test_the_services_refuse_families_and_staff_who_cannot_see_the_child(cast):
    for actor in (cast.family_a, cast.nurse_other):
        with pytest.raises(PermissionDenied) as exc:
            _upload(actor, cast.child_a)
        assert isinstance(exc.value, PermissionDenied)
    document = _upload(cast.nurse_a, cast.child_a)
    with pytest.raises(PermissionDenied) as exc:
        services.document_withdraw(actor=cast.family_a, document=document)
    assert isinstance(exc.value, PermissionDenied)


def test_the_staff_page_lists_what_was_shared(client_for, cast):
    _upload(cast.nurse_a, cast.child_a)
    response = client_for(cast.nurse_a).get(f"/patients/{cast.child_a.pk}/documents/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clinic letter, March" in html and "Share a letter with the family" in html
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="documents").count() == 1
