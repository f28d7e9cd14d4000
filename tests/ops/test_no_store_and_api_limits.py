"""Patient data is never stored by a browser or proxy (Cache-Control: no-store on every response the
application makes), and hostile API bodies (deep nesting, oversized) are JSON 4xx, never a 500 or HTML."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.documents import services as documents
from apps.scheduling import services as scheduling

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def assert_no_store(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]


def test_pages_api_csv_downloads_and_feeds_are_never_stored(cast, client, api_for):
    letter = documents.document_upload(
        actor=cast.nurse_a,
        patient=cast.child_a,
        title="Clinic letter",
        dated=timezone.localdate() - datetime.timedelta(days=1),
        upload=SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
    )
    client.force_login(cast.nurse_a)
    for url in (
        f"/patients/{cast.child_a.pk}/",
        "/caseload/",
        "/caseload/?format=csv",
        f"/patients/{cast.child_a.pk}/documents/{letter.pk}/",
    ):
        assert_no_store(client.get(url))
    assert_no_store(api_for(cast.nurse_a).get(f"/api/v1/patients/{cast.child_a.pk}/"))
    assert_no_store(api_for(cast.family_a).get(f"/api/v1/documents/{letter.pk}/download/"))
    client.logout()
    feed = scheduling.calendar_feed_for(owner=cast.family_a)
    assert_no_store(client.get(scheduling.feed_url(feed=feed, base_url="")))


def test_a_token_authenticated_api_answer_is_never_stored(cast, api):
    from apps.accounts.tokens import api_token_create

    _token, raw = api_token_create(actor=cast.nurse_a, name="laptop")
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert_no_store(api.get(f"/api/v1/patients/{cast.child_a.pk}/"))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_deeply_nested_json_is_a_400_in_the_one_shape(cast, api_for, depth):
    response = api_for(cast.nurse_a).generic(
        "POST", "/api/v1/referrals/", nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "parse_error")
    assert "nests deeper than 32" in error["message"]


def test_ordinary_nesting_still_parses(cast, api_for):
    body = json.dumps({"patient": cast.child_a.pk, "extra": [[[{"a": [1]}]]]})
    response = api_for(cast.nurse_a).generic(
        "POST", "/api/v1/referrals/", body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_an_oversized_api_body_is_a_json_413(cast, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"reason": "x" * 5000})
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        response = api_for(cast.nurse_a).generic(
            "POST", "/api/v1/referrals/", body, content_type=content_type
        )
        assert response.status_code == 413, content_type
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "request_too_large"


def test_an_oversized_form_body_on_a_page_is_still_the_html_400(cast, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(cast.nurse_a)
    response = client.post("/break-glass/", {"identifier": "x", "reason": "y" * 5000})
    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
