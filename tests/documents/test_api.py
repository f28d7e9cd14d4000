"""The documents API: a child's letters and sharing one (multipart), one letter's details, its download
and withdrawing it; with family isolation (another child's letters and withdrawn ones are a 404), roles
(a family cannot share or withdraw: 403), bad input (400 with field errors and nothing written), the
family's narrower view, audit and query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.documents import services
from apps.documents.models import FamilyDocument
from apps.notifications.models import Delivery, Notification

from ..factories import CareTeamMemberFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
FAMILY_KEYS = {"id", "patient", "title", "dated", "content_type", "kind_label", "size", "download_url"}
STAFF_ONLY_KEYS = {"uploaded_by", "uploaded_by_name", "uploaded_at", "is_withdrawn", "withdrawn_at"}
STAFF_ONLY_KEYS |= {"kind", "version", "released_at", "released_by", "superseded_at"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def share(actor, patient, title="Clinic letter, March", content=PDF, name="letter.pdf") -> FamilyDocument:
    return services.document_upload(
        actor=actor,
        patient=patient,
        title=title,
        dated=timezone.localdate() - datetime.timedelta(days=2),
        upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
    )


@pytest.fixture
def letters(cast):
    """Child A's shared letter and withdrawn letter, and child B's letter."""
    shared = share(cast.nurse_a, cast.child_a)
    withdrawn = share(cast.nurse_a, cast.child_a, title="Wrong letter")
    services.document_withdraw(actor=cast.nurse_a, document=withdrawn)
    CareTeamMemberFactory(patient=cast.child_b, user=cast.nurse_other)
    other = share(cast.nurse_other, cast.child_b, title="Bobby's letter")
    return shared, withdrawn, other


def child_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/documents/"


def document_url(document, step: str = "") -> str:
    return f"/api/v1/documents/{document.pk}/{f'{step}/' if step else ''}"


def audited(user, patient, what: str = "documents") -> int:
    return AccessEvent.objects.filter(user=user, patient=patient, what=what).count()


def error_of(response) -> dict:
    return response.json()["error"]


def written():
    return (
        FamilyDocument.objects.count(),
        list(FamilyDocument.objects.order_by("pk").values_list("is_withdrawn", flat=True)),
        Notification.objects.count(),
        Delivery.objects.count(),
    )


def form(title="Advice for school", content=PDF, name="advice.pdf", **fields) -> dict:
    data = {"title": title, "dated": timezone.localdate().isoformat(), **fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return data


# --- A child's letters ----------------------------------------------------------------------------


def test_staff_list_a_childs_letters_with_withdrawn_ones_marked(cast, api_for, letters):
    shared, withdrawn, _ = letters

    response = api_for(cast.nurse_a).get(child_url(cast.child_a))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"]: row["is_withdrawn"] for row in rows} == {shared.pk: False, withdrawn.pk: True}
    first = next(row for row in rows if row["id"] == shared.pk)
    assert set(first) == FAMILY_KEYS | STAFF_ONLY_KEYS
    assert (first["title"], first["uploaded_by_name"], first["kind_label"]) == (
        "Clinic letter, March",
        "Nina Nurse",
        "PDF",
    )
    assert first["download_url"] == f"/api/v1/documents/{shared.pk}/download/"
    assert audited(cast.nurse_a, cast.child_a) == 1


def test_a_family_lists_only_their_childs_shared_letters_in_the_family_view(cast, api_for, letters):
    shared, _, _ = letters

    response = api_for(cast.family_a).get(child_url(cast.child_a))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["title"], row["size"]) == (shared.pk, "Clinic letter, March", len(PDF))
    assert set(row) == FAMILY_KEYS
    assert "Wrong letter" not in response.content.decode()
    assert audited(cast.family_a, cast.child_a) == 1


@pytest.mark.parametrize(
    ("who", "child"),
    [("family_a", "child_b"), ("family_b", "child_a"), ("nurse_other", "child_a"), ("admin", "child_a")],
)
def test_someone_outside_the_childs_care_gets_a_404_on_its_letters(cast, api_for, letters, who, child):
    user, patient = getattr(cast, who), getattr(cast, child)
    client = api_for(user)
    before = written()

    listed = client.get(child_url(patient))
    created = client.post(child_url(patient), form())

    assert (listed.status_code, created.status_code) == (404, 404)
    assert error_of(listed)["code"] == "not_found"
    assert written() == before
    assert not AccessEvent.objects.filter(user=user, patient=patient).exists()


@pytest.mark.parametrize(("who", "letter"), [("family_b", 0), ("family_a", 2), ("nurse_a", 2)])
def test_another_childs_letter_is_a_404_on_every_route(cast, api_for, letters, who, letter):
    user, document = getattr(cast, who), letters[letter]
    client = api_for(user)
    before = written()

    responses = [
        client.get(document_url(document)),
        client.get(document_url(document, "download")),
        client.post(document_url(document, "withdraw")),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert written() == before
    assert not AccessEvent.objects.filter(user=user, patient=document.patient).exists()


def test_a_missing_child_or_letter_is_a_404_like_a_forbidden_one(cast, api_for):
    client = api_for(cast.nurse_a)
    assert client.get("/api/v1/patients/999999/documents/").status_code == 404
    assert client.get("/api/v1/documents/999999/").status_code == 404
    assert client.get("/api/v1/documents/999999/download/").status_code == 404


def test_anonymous_callers_are_refused(cast, api, letters):
    shared, _, _ = letters
    assert api.get(child_url(cast.child_a)).status_code == 403
    assert api.get(document_url(shared, "download")).status_code == 403


# --- Sharing a letter -----------------------------------------------------------------------------


def test_staff_share_a_letter_and_the_family_is_told(cast, api_for):
    response = api_for(cast.nurse_a).post(child_url(cast.child_a), form(content=PNG, name="advice.png"))

    assert response.status_code == 201
    body = response.json()
    document = FamilyDocument.objects.get()
    assert body["id"] == document.pk
    assert (document.patient, document.title, document.uploaded_by) == (
        cast.child_a,
        "Advice for school",
        cast.nurse_a,
    )
    assert (document.content_type, document.size, document.dated) == (
        "image/png",
        len(PNG),
        timezone.localdate(),
    )
    assert (body["content_type"], body["kind_label"], body["is_withdrawn"]) == (
        "image/png",
        "PNG image",
        False,
    )
    assert set(body) == FAMILY_KEYS | STAFF_ONLY_KEYS
    assert Notification.objects.filter(recipient=cast.family_a, kind="document_shared").count() == 1
    assert not Notification.objects.filter(recipient=cast.family_b).exists()


def test_a_family_cannot_share_a_letter(cast, api_for):
    response = api_for(cast.family_a).post(child_url(cast.child_a), form())

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not FamilyDocument.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (form(content=EXE, name="letter.pdf"), "file"),  # the content, not the name, decides
        (form(content=b"", name="empty.pdf"), "file"),
        (form(content=None), "file"),
        (form(title=""), "title"),
        (form(title="x" * 151), "title"),
        (form(dated="yesterday-ish"), "dated"),
        (form(dated=(timezone.localdate() + datetime.timedelta(days=5)).isoformat()), "dated"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_nothing_is_shared(cast, api_for, data, field):
    before = written()

    response = api_for(cast.nurse_a).post(child_url(cast.child_a), data)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert written() == before


def test_a_file_of_the_wrong_type_is_refused_with_a_clear_error(cast, api_for):
    response = api_for(cast.nurse_a).post(child_url(cast.child_a), form(content=EXE, name="virus.exe"))
    assert response.status_code == 400
    assert error_of(response)["fields"]["file"] == ["Only PDF, PNG or JPEG files can be attached."]
    assert not FamilyDocument.objects.exists()


# --- One letter -----------------------------------------------------------------------------------


def test_a_family_reads_a_letters_details_and_it_is_audited(cast, api_for, letters):
    shared, _, _ = letters

    response = api_for(cast.family_a).get(document_url(shared))

    assert response.status_code == 200
    assert set(response.json()) == FAMILY_KEYS
    assert response.json()["title"] == "Clinic letter, March"
    assert audited(cast.family_a, cast.child_a) == 1


def test_staff_read_a_withdrawn_letter_but_a_family_gets_a_404(cast, api_for, letters):
    _, withdrawn, _ = letters

    staff = api_for(cast.nurse_a).get(document_url(withdrawn))
    assert staff.status_code == 200
    assert staff.json()["is_withdrawn"] is True
    assert staff.json()["withdrawn_at"] is not None

    family = api_for(cast.family_a)
    assert family.get(document_url(withdrawn)).status_code == 404
    assert family.get(document_url(withdrawn, "download")).status_code == 404


def test_each_download_is_audited(cast, api_for, letters):
    shared, _, _ = letters
    client = api_for(cast.family_a)

    for expected in (1, 2):
        response = client.get(document_url(shared, "download"))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "clinic-letter-march.pdf" in response["Content-Disposition"]
        assert audited(cast.family_a, cast.child_a, "document download") == expected


def test_a_break_glass_download_is_audited_as_such(cast, api_for, letters):
    shared, _, _ = letters
    response = api_for(cast.nurse_glass).get(document_url(shared, "download"))
    assert response.status_code == 200
    event = AccessEvent.objects.get(user=cast.nurse_glass, what="document download")
    assert event.via_break_glass is True


def test_a_guardian_whose_link_has_ended_cannot_download(cast, api_for, letters):
    shared, _, _ = letters
    cast.guardian_a.is_active = False
    cast.guardian_a.save(update_fields=["is_active"])
    assert api_for(cast.family_a).get(document_url(shared, "download")).status_code == 404


# --- Withdrawing ----------------------------------------------------------------------------------


def test_staff_withdraw_a_letter_and_the_family_no_longer_sees_it(cast, api_for, letters):
    shared, _, _ = letters

    response = api_for(cast.nurse_a).post(document_url(shared, "withdraw"))

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["is_withdrawn"]) == (shared.pk, True)
    shared.refresh_from_db()
    assert shared.is_withdrawn and shared.withdrawn_at is not None
    assert api_for(cast.family_a).get(child_url(cast.child_a)).json()["results"] == []


def test_withdrawing_twice_is_a_409(cast, api_for, letters):
    _, withdrawn, _ = letters
    response = api_for(cast.nurse_a).post(document_url(withdrawn, "withdraw"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "stale"


def test_a_family_cannot_withdraw_their_own_childs_letter(cast, api_for, letters):
    shared, _, _ = letters
    before = written()

    response = api_for(cast.family_a).post(document_url(shared, "withdraw"))

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert written() == before


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("subject", ["nurse_a", "family_a"])
def test_the_list_query_count_is_flat(cast, api_for, django_assert_max_num_queries, subject, size):
    for n in range(size):
        share(cast.nurse_a, cast.child_a, title=f"Letter {n}")
    client = api_for(getattr(cast, subject))

    with django_assert_max_num_queries(6):
        response = client.get(child_url(cast.child_a))

    assert response.status_code == 200
    assert response.json()["count"] == size
