"""The neuropsychology API: record an assessment (closing the due review), school support, letters
(draft, edit as a new version, release); families get a 403, another child a 404."""

import datetime

from apps.neuropsych.models import SchoolLetter
from apps.scheduling.models import ReviewDue

BODY = {
    "assessed_on": "2026-03-18",
    "results": [
        {"domain": "attention", "band": 2, "notes": "Needs prompts"},
        {"domain": "memory", "band": 4},
    ],
    "recommendations": "Short instructions; extra time in tests.",
}


def test_record_an_assessment_and_the_review_stops_being_due(api_for, cast, neuropsychologist, review_due):
    url = f"/api/v1/patients/{cast.child_a.pk}/neuropsychology/assessments/"
    client = api_for(neuropsychologist)
    bad = client.post(url, {**BODY, "results": [{"domain": "attention", "band": 9}]}, format="json")
    assert bad.status_code == 400
    made = client.post(url, {**BODY, "assessed_by": neuropsychologist.pk}, format="json")
    assert made.status_code == 201 and [r["band_label"] for r in made.json()["results"]] == [
        "Below average",
        "Average",
    ]
    assert ReviewDue.objects.get(pk=review_due.pk).completed_on == datetime.date(2026, 3, 18)
    assert len(client.get(url).json()) == 1
    assert (
        api_for(cast.nurse_a).post(url, {**BODY, "assessed_by": cast.nurse_a.pk}, format="json").status_code
        == 403
    )
    assert api_for(cast.family_a).get(url).status_code == 403
    assert api_for(cast.family_b).get(url).status_code == 404


def test_school_support_and_a_letter_from_draft_to_release(api_for, cast, neuropsychologist, review_due):
    base = f"/api/v1/patients/{cast.child_a.pk}/neuropsychology/"
    client = api_for(neuropsychologist)
    client.post(base + "assessments/", {**BODY, "assessed_by": neuropsychologist.pk}, format="json")
    school = {"school": "Hillside Primary", "status": "ehcp_requested", "ehcp_requested_on": "2026-01-10"}
    assert (
        client.put(base + "school/", {**school, "ehcp_requested_on": None}, format="json").status_code == 400
    )
    saved = client.put(base + "school/", school, format="json")
    assert saved.status_code == 200 and saved.json()["school"] == "Hillside Primary"

    drafted = client.post(base + "school-letters/")
    assert (
        drafted.status_code == 201
        and drafted.json()["version"] == 1
        and drafted.json()["released_at"] is None
    )
    letter = f"/api/v1/school-letters/{drafted.json()['id']}/"
    edited = client.put(letter, {"body": "Dear school, please allow extra time."}, format="json")
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert api_for(cast.family_a).post(letter + "release/").status_code == 403
    released = api_for(neuropsychologist).post(letter + "release/")
    assert released.status_code == 200 and released.json()["released_at"]
    assert api_for(neuropsychologist).post(letter + "release/").status_code == 409
    assert SchoolLetter.objects.get().document.version == 2
