"""Inbound external referrals (matching a known child, never duplicating one) and referral letters."""

import datetime
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import StaffProfile
from apps.patients.models import Patient
from apps.referrals import selectors, services
from apps.referrals.models import Referral, ReferralAttachment, ReferralEvent
from apps.tasks.models import Task

from ..factories import PatientFactory, StaffFactory
from . import Status, refer

MB = 1024 * 1024


@pytest.fixture
def clerk(db):
    return StaffFactory(full_name="Cleo Clerk", role=StaffProfile.Role.CLINIC_ADMIN)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


DOB = datetime.date(2024, 5, 1)


def receive(people, actor, **overrides):
    data = {
        "target_team": people.oncology,
        "external_source": Referral.ExternalSource.GP,
        "referrer_name": "Dr Grace Practitioner",
        "referrer_organisation": "High Street Surgery",
        "reason": "Dancing eyes and unsteady walking for two weeks.",
        "urgency": Referral.Urgency.URGENT,
        "given_name": "Zara",
        "family_name": "Newchild",
        "date_of_birth": DOB,
        "hospital_number": "H900001",
        "nhs_number": "",
    }
    data.update(overrides)
    return services.referral_receive_external(actor=actor, **data)


def counts() -> tuple[int, int, int, int]:
    return (
        Patient.objects.count(),
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        Task.objects.count(),
    )


# --- Inbound external referrals -------------------------------------------------------------------


def test_an_unknown_child_is_registered_as_referred_and_lands_in_the_team_inbox(people, clerk):
    referral = receive(people, clerk, nhs_number="943 476 5919")
    child = referral.patient
    assert (child.status, child.nhs_number, child.hospital_number) == ("referred", "9434765919", "H900001")
    assert (child.given_name, child.family_name) == ("Zara", "Newchild")
    assert referral.status == Status.SUBMITTED
    assert (referral.external_source, referral.source_user, referral.source_team) == ("gp", None, None)
    assert referral.source_label == "GP (Dr Grace Practitioner, High Street Surgery)"
    assert [e.to_status for e in referral.events.all()] == [Status.DRAFT, Status.SUBMITTED]
    assert list(selectors.team_inbox(user=people.oncologist)) == [referral]
    assert not selectors.team_inbox(user=people.outsider).exists()
    triage = Task.objects.get(source_key=f"referral:{referral.pk}:triage")
    assert (triage.team, triage.priority) == (people.oncology, Task.Priority.HIGH)


def test_a_known_child_is_matched_by_nhs_number_typed_with_spaces(people, clerk):
    known = PatientFactory(
        nhs_number="9434765919", hospital_number="H111111", family_name="Known", date_of_birth=DOB
    )
    before = Patient.objects.count()
    referral = receive(people, clerk, nhs_number=" 943 476 5919 ", family_name="Spelt Differently")
    assert referral.patient == known
    assert Patient.objects.count() == before
    known.refresh_from_db()
    assert (known.status, known.family_name) == ("active", "Known")  # the record is not overwritten


def test_a_known_child_is_matched_by_hospital_number_when_there_is_no_nhs_number(people, clerk):
    known = PatientFactory(nhs_number=None, hospital_number="H222222", date_of_birth=DOB)
    before = Patient.objects.count()
    referral = receive(people, clerk, hospital_number=" h222222 ")
    assert referral.patient == known
    assert Patient.objects.count() == before


def test_a_hospital_number_of_a_child_with_another_nhs_number_is_refused(people, clerk):
    PatientFactory(nhs_number="9434765919", hospital_number="H333333", date_of_birth=DOB)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        receive(people, clerk, nhs_number="4010232137", hospital_number="H333333")
    assert (
        "belongs to a child with a different NHS number" in refused.value.message_dict["hospital_number"][0]
    )
    assert counts() == before


def test_an_invalid_nhs_number_is_a_field_error_and_saves_nothing(people, clerk):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        receive(people, clerk, nhs_number="943 476 5918")
    assert refused.value.message_dict == {
        "nhs_number": ["This is not a valid NHS number: the check digit does not match. Please check it."]
    }
    assert counts() == before


def test_missing_details_are_field_errors(people, clerk):
    with pytest.raises(ValidationError) as refused:
        receive(people, clerk, external_source="fax", referrer_name=" ", reason="", urgency="whenever")
    assert set(refused.value.message_dict) == {"external_source", "referrer_name", "reason", "urgency"}
    assert Patient.objects.count() == 1  # only the standing child


def test_a_second_open_referral_to_the_same_team_is_refused(people, clerk):
    refer(people)  # the referring nurse's referral to Oncology is open
    before = counts()
    with pytest.raises(ValidationError) as refused:
        receive(people, clerk, nhs_number=people.child.nhs_number, date_of_birth=people.child.date_of_birth)
    assert refused.value.message_dict == {
        "target_team": ["This child already has an open referral to Oncology."]
    }
    assert counts() == before


def test_roles_that_do_not_register_children_cannot_record_external_referrals(people):
    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST, role__teams=["therapies"])
    with pytest.raises(PermissionDenied) as refused:
        receive(people, therapist)
    assert isinstance(refused.value, PermissionDenied)
    assert not Referral.objects.exists()


def test_the_external_referral_page_records_one_and_shows_field_errors(client, people, clerk):
    client.force_login(clerk)
    form = {
        "external_source": "local_hospital",
        "referrer_name": "Dr Lee",
        "referrer_organisation": "District General",
        "target_team": people.oncology.pk,
        "urgency": "routine",
        "reason": "Ataxia after a viral illness.",
        "given_name": "Yusuf",
        "family_name": "Pagechild",
        "date_of_birth": "2023-02-01",
        "sex": "unknown",
        "hospital_number": "H900002",
        "nhs_number": "123 456 7890",
        "postcode": "",
    }
    response = client.post("/referrals/external/", form)
    assert response.status_code == 400
    assert "not a valid NHS number" in response.content.decode()
    assert not Referral.objects.exists()
    form["nhs_number"] = "401 023 2137"
    response = client.post("/referrals/external/", form)
    referral = Referral.objects.get()
    # The clerk is not on Oncology, so they return to the form (the detail page would be a 404 for them).
    assert response.status_code == 302 and response["Location"] == "/referrals/external/"
    assert referral.patient.status == Patient.Status.REFERRED


def test_staff_who_cannot_register_children_get_404_on_the_external_page(client, people):
    client.force_login(StaffFactory(role=StaffProfile.Role.THERAPIST))
    assert client.get("/referrals/external/").status_code == 404
    client.force_login(people.family)
    assert client.get("/referrals/external/").status_code == 404


# --- Letters --------------------------------------------------------------------------------------


def small_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def small_png() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("letter.pdf", small_pdf(), "application/pdf"),
        ("scan.png", small_png(), "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg"),
    ],
)
def test_a_real_pdf_or_image_is_attached(people, name, content, content_type):
    referral = refer(people)
    # The browser's claimed type is ignored: the content decides.
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    letter = services.referral_attach(actor=people.referrer, referral=referral, upload=upload)
    assert (letter.content_type, letter.size, letter.original_name) == (content_type, len(content), name)
    assert (letter.referral, letter.uploaded_by) == (referral, people.referrer)
    with letter.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile(
                "letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf"
            ),
            "Only PDF, PNG or JPEG files can be attached.",
        ),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "The file is empty."),
        (
            SimpleUploadedFile("huge.pdf", b"%PDF-1.4\n" + b"0" * (11 * MB), "application/pdf"),
            "The file is too large: the limit is 10 MB.",
        ),
    ],
    ids=["exe-renamed-pdf", "empty", "eleven-mb"],
)
def test_a_bad_letter_is_refused_with_a_clear_message_and_no_rows(people, tmp_path, upload, message):
    referral = refer(people)
    with pytest.raises(ValidationError) as refused:
        services.referral_attach(actor=people.referrer, referral=referral, upload=upload)
    assert refused.value.message_dict == {"file": [message]}
    assert not ReferralAttachment.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_bad_letter_on_a_new_referral_saves_no_referral(people):
    exe = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    before = counts()
    with pytest.raises(ValidationError):
        refer(people, letters=[exe])
    assert counts() == before
    assert not ReferralAttachment.objects.exists()


def test_only_the_referrer_or_the_receiving_team_may_attach(people):
    referral = refer(people)
    upload = SimpleUploadedFile("letter.pdf", small_pdf())
    with pytest.raises(PermissionDenied) as refused:
        services.referral_attach(actor=people.outsider, referral=referral, upload=upload)
    assert isinstance(refused.value, PermissionDenied)
    services.referral_attach(actor=people.oncologist, referral=referral, upload=upload)
    assert ReferralAttachment.objects.count() == 1


def test_the_create_page_with_an_invalid_letter_saves_no_referral(client, people):
    client.force_login(people.referrer)
    before = counts()
    response = client.post(
        f"/patients/{people.child.pk}/refer/",
        {
            "target_team": people.oncology.pk,
            "urgency": "routine",
            "reason": "Please assess.",
            "letter": SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "Only PDF, PNG or JPEG files can be attached." in response.content.decode()
    assert counts() == before
    assert not ReferralAttachment.objects.exists()


def test_the_create_page_saves_the_referral_with_its_letter_for_the_team_to_download(client, people):
    client.force_login(people.referrer)
    response = client.post(
        f"/patients/{people.child.pk}/refer/",
        {
            "target_team": people.oncology.pk,
            "urgency": "urgent",
            "reason": "Please assess.",
            "letter": SimpleUploadedFile("gp-letter.pdf", small_pdf(), "application/pdf"),
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    letter = referral.attachments.get()
    url = f"/referrals/{referral.pk}/letters/{letter.pk}/"
    client.force_login(people.oncologist)
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == small_pdf()
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="gp-letter.pdf"' in download["Content-Disposition"]
    for stranger in (people.outsider, people.family):
        client.force_login(stranger)
        assert client.get(url).status_code == 404


def test_a_matching_number_with_a_different_date_of_birth_is_refused(people, clerk):
    """Never guess: the number matches a known child but the person does not."""
    known = PatientFactory(
        nhs_number="9434765919", hospital_number="H444444", date_of_birth=datetime.date(2015, 1, 1)
    )
    before = counts()
    with pytest.raises(ValidationError) as refused:
        receive(people, clerk, nhs_number="943 476 5919", hospital_number="H999999")
    assert "date_of_birth" in refused.value.message_dict
    assert counts() == before
    assert not Referral.objects.filter(patient=known).exists()


# --- A child without a hospital number, and the letter on the external form ------------------------


def _external_form(people, **overrides):
    form = {
        "external_source": "gp",
        "referrer_name": "Dr Grace Practitioner",
        "referrer_organisation": "High Street Surgery",
        "target_team": people.oncology.pk,
        "urgency": "urgent",
        "reason": "Dancing eyes for a week.",
        "given_name": "Nia",
        "family_name": "Gpchild",
        "date_of_birth": "2024-06-01",
        "sex": "unknown",
        "hospital_number": "",
        "nhs_number": "",
        "postcode": "",
    }
    return {**form, **overrides}


def test_a_new_child_without_a_hospital_number_gets_a_provisional_one(people, clerk):
    referral = receive(people, clerk, hospital_number="")

    number = referral.patient.hospital_number
    assert number.startswith(services.PROVISIONAL_PREFIX) and len(number) == len("PROV-") + 8
    assert services.is_provisional(number)
    assert referral.status == Status.SUBMITTED
    assert (
        receive(
            people,
            clerk,
            hospital_number="",
            given_name="Other",
            family_name="Child",
            target_team=people.oncology,
            nhs_number="401 023 2137",
        ).patient.hospital_number
        != number
    )


def test_without_a_hospital_number_a_known_child_is_still_matched_by_nhs_number(people, clerk):
    known = PatientFactory(nhs_number="9434765919", hospital_number="H123", date_of_birth=DOB)
    before = Patient.objects.count()

    referral = receive(people, clerk, hospital_number="", nhs_number="943 476 5919")

    assert referral.patient == known and known.hospital_number == "H123"
    assert Patient.objects.count() == before


def test_the_external_page_takes_no_hospital_number_and_a_letter(client, people, clerk):
    client.force_login(clerk)
    page = client.get("/referrals/external/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="letter"' in page

    letter = SimpleUploadedFile("gp-letter.pdf", small_pdf(), "application/pdf")
    response = client.post("/referrals/external/", {**_external_form(people), "letter": letter})

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert services.is_provisional(referral.patient.hospital_number)
    stored = referral.attachments.get()
    assert (stored.original_name, stored.content_type, stored.uploaded_by) == (
        "gp-letter.pdf",
        "application/pdf",
        clerk,
    )
    assert stored.file.read() == small_pdf()


def test_a_disguised_letter_on_the_external_page_saves_nothing(client, people, clerk):
    client.force_login(clerk)
    before = counts()
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")

    response = client.post("/referrals/external/", {**_external_form(people), "letter": fake})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Only PDF, PNG or JPEG files can be attached." in html
    assert '<a href="#id_letter">' in html
    assert counts() == before
    assert not ReferralAttachment.objects.exists()


def test_the_api_records_an_external_referral_without_a_hospital_number_with_its_letter(
    people, clerk, api_for
):
    body = {**_external_form(people), "letter": SimpleUploadedFile("scan.png", small_png(), "image/png")}

    response = api_for(clerk).post("/api/v1/referrals/external/", body, format="multipart")

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get()
    assert services.is_provisional(referral.patient.hospital_number)
    assert referral.attachments.get().content_type == "image/png"
