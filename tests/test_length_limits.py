"""Length limits are shown on the field and refused in plain words naming the field and the limit;
text is never cut short, by the browser (no maxlength attribute) or by a service (no slicing)."""

import re

import pytest

from apps.messaging import services as messaging
from apps.messaging.models import MESSAGE_MAX_LENGTH, Message
from apps.pathways import services as pathways
from apps.pathways.models import Investigation
from apps.patients.models import Patient
from carecoord.limits import within

REGISTER = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "hospital_number": "RCH77",
    "date_of_birth": "2024-01-02",
    "sex": "female",
    "status": "referred",
}


def test_a_limited_field_shows_its_limit_and_the_browser_cannot_cut_it(client, cast):
    client.force_login(cast.nurse_a)
    html = client.get("/patients/new/").content.decode()

    given = re.search(r'<input[^>]*name="given_name"[^>]*>', html).group(0)
    assert 'aria-describedby="id_given_name_helptext"' in given
    assert '<span class="hint" id="id_given_name_helptext">Up to 100 characters.</span>' in html
    assert "maxlength" not in html  # a browser drops what is typed or pasted past maxlength


def test_a_name_over_its_limit_is_refused_by_name_and_nothing_is_saved(client, cast):
    client.force_login(cast.nurse_a)
    response = client.post("/patients/new/", {**REGISTER, "given_name": "A" * 101})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<a href="#id_given_name">Given name: Given name must be 100 characters or fewer. It has 101.</a>'
        in html
    )
    assert not Patient.objects.filter(hospital_number="RCH77").exists()
    fixed = client.post("/patients/new/", {**REGISTER, "given_name": "A" * 100})
    assert fixed.status_code == 302  # the rest of the form was fine: 100 characters are kept whole
    assert Patient.objects.get(hospital_number="RCH77").given_name == "A" * 100


def test_a_message_over_5000_characters_is_refused_on_the_page_and_not_sent(client, cast):
    thread = messaging.thread_start(actor=cast.family_a, patient=cast.child_a, subject="Hi", body="Hello")
    client.force_login(cast.nurse_a)
    page = client.get(f"/messages/{thread.pk}/").content.decode()
    assert "Up to 5,000 characters." in page

    response = client.post(f"/messages/{thread.pk}/", {"reply-body": "a" * (MESSAGE_MAX_LENGTH + 1)})

    assert response.status_code == 400
    assert "must be 5,000 characters or fewer. It has 5001." in response.content.decode()
    assert Message.objects.filter(thread=thread).count() == 1


def test_the_api_refuses_a_long_name_in_the_one_error_shape(api_for, cast):
    body = {**REGISTER, "given_name": "A" * 101}
    response = api_for(cast.nurse_a).post("/api/v1/patients/", body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "invalid")
    assert list(error["fields"]) == ["given_name"]
    assert "100 characters" in error["fields"]["given_name"][0]
    assert not Patient.objects.filter(hospital_number="RCH77").exists()


def test_a_service_refuses_text_over_the_column_instead_of_cutting_it(cast):
    investigation = pathways.investigation_request(actor=cast.nurse_a, patient=cast.child_a, kind="mibg")
    with pytest.raises(Exception) as refused:
        pathways.investigation_cancel(actor=cast.nurse_a, investigation=investigation, reason="r" * 301)
    assert refused.value.message_dict == {"reason": ["Reason must be 300 characters or fewer. It has 301."]}
    investigation.refresh_from_db()
    assert (investigation.status, investigation.cancel_reason) == (Investigation.Status.REQUESTED, "")


def test_within_keeps_text_at_the_limit_whole():
    assert within("  " + "a" * 300 + " ", field="reason", limit=300, label="Reason") == "a" * 300
