"""Telling the family an MDT outcome: the letter (to the GP and the family) and the family wording are
staff-only until a clinician releases them; a released version is corrected by a new one, never changed."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.documents import selectors as documents
from apps.mdt import release, selectors, services
from apps.mdt.models import OutcomeRelease
from carecoord.errors import ApplicationError

WORDING = "The team agreed to start a new medicine called rituximab. Your nurse will explain it."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def outcome(cast, mdt):  # type: ignore[no-untyped-def]
    item = services.item_add(
        actor=cast.nurse_a, meeting=mdt.meeting, patient=cast.child_a, question="Step up?"
    )
    return services.outcome_record(
        actor=mdt.chair,
        item=item,
        decision="Start rituximab; repeat MRI in 3 months.",
        agreed_by=[mdt.chair],
        actions=[services.ActionSpec("Request MRI", mdt.chair, datetime.date(2026, 3, 20))],
    )


def test_a_prepared_letter_is_a_pdf_kept_from_the_family_until_released(cast, mdt, outcome):
    prepared = release.outcome_letter_prepare(actor=mdt.chair, outcome=outcome, family_wording=WORDING)

    assert prepared.version == 1 and prepared.document.file.read().startswith(b"%PDF-")
    assert prepared.document.kind == "mdt_outcome" and not prepared.document.is_released
    assert selectors.released_outcomes_for_family(patient_id=cast.child_a.pk) == []
    assert list(documents.documents_for_family(patient=cast.child_a)) == []

    release.outcome_release(actor=mdt.chair, outcome=outcome)
    [shown] = selectors.released_outcomes_for_family(patient_id=cast.child_a.pk)
    assert shown.family_wording == WORDING and shown.released_by == mdt.chair
    assert list(documents.documents_for_family(patient=cast.child_a)) == [prepared.document]


def test_a_released_outcome_is_corrected_by_a_new_version_never_changed(cast, mdt, outcome):
    release.outcome_letter_prepare(actor=mdt.chair, outcome=outcome, family_wording=WORDING)
    first = release.outcome_release(actor=mdt.chair, outcome=outcome)
    with pytest.raises(ApplicationError, match="already released"):
        release.outcome_release(actor=mdt.chair, outcome=outcome)

    release.outcome_letter_prepare(actor=mdt.chair, outcome=outcome, family_wording="Corrected wording.")
    [still] = selectors.released_outcomes_for_family(patient_id=cast.child_a.pk)
    assert still.pk == first.pk  # the family sees version 1 until version 2 is released
    release.outcome_release(actor=mdt.chair, outcome=outcome)
    [shown] = selectors.released_outcomes_for_family(patient_id=cast.child_a.pk)
    assert shown.version == 2 and shown.family_wording == "Corrected wording."
    assert OutcomeRelease.objects.get(pk=first.pk).family_wording == WORDING
    assert [d.version for d in documents.documents_for_family(patient=cast.child_a)] == [2]


def test_only_clinicians_who_chair_or_care_for_the_child_release_and_empty_wording_is_refused(
    cast, mdt, outcome
):
    with pytest.raises(PermissionDenied):
        release.outcome_letter_prepare(actor=cast.admin, outcome=outcome, family_wording=WORDING)
    with pytest.raises(PermissionDenied):
        release.outcome_letter_prepare(actor=cast.nurse_other, outcome=outcome, family_wording=WORDING)
    with pytest.raises(ValidationError) as exc:
        release.outcome_letter_prepare(actor=cast.nurse_a, outcome=outcome, family_wording="  ")
    assert "words the family will understand" in exc.value.message_dict["family_wording"][0]
    with pytest.raises(ApplicationError, match="Prepare the letter"):
        release.outcome_release(actor=cast.nurse_a, outcome=outcome)
    assert not OutcomeRelease.objects.exists()


def test_the_family_sees_the_released_wording_and_letter_on_the_portal(client_for, cast, mdt, outcome):
    item_url = f"/mdt/items/{outcome.item_id}/"
    staff = client_for(mdt.chair)
    bad = staff.post(item_url + "letter/", {"family-family_wording": ""})
    assert bad.status_code == 400 and "words the family will understand" in bad.content.decode()
    assert staff.post(item_url + "letter/", {"family-family_wording": WORDING}).status_code == 302
    assert "Not released: the family cannot see it" in staff.get(item_url).content.decode()

    portal = f"/portal/children/{cast.child_a.pk}/"
    assert WORDING not in client_for(cast.family_a).get(portal).content.decode()
    assert client_for(mdt.chair).post(item_url + "release/").status_code == 302
    page = client_for(cast.family_a).get(portal).content.decode()
    assert "Decisions from team meetings" in page and WORDING in page
    assert "repeat MRI" not in page  # the clinical wording stays in the letter's GP section


def test_the_api_prepares_releases_and_lists_the_released_decision_for_the_family(
    api_for, cast, mdt, outcome
):
    base = f"/api/v1/mdt/items/{outcome.item_id}/"
    assert api_for(cast.family_a).post(base + "letter/", {"family_wording": WORDING}).status_code == 404
    assert api_for(cast.nurse_glass).post(base + "letter/", {"family_wording": WORDING}).status_code == 403
    empty = api_for(mdt.chair).post(base + "letter/", {"family_wording": ""})
    assert empty.status_code == 400 and "family_wording" in empty.json()["error"]["fields"]
    prepared = api_for(mdt.chair).post(base + "letter/", {"family_wording": WORDING})
    assert prepared.status_code == 201 and prepared.json()["released_at"] is None

    decisions = f"/api/v1/patients/{cast.child_a.pk}/mdt-decisions/"
    assert api_for(cast.family_a).get(decisions).json() == []
    assert api_for(mdt.chair).post(base + "release/").status_code == 200
    assert api_for(mdt.chair).post(base + "release/").status_code == 409
    [shown] = api_for(cast.family_a).get(decisions).json()
    assert shown["family_wording"] == WORDING and "decision" not in shown
    assert api_for(cast.family_b).get(decisions).status_code == 404


def test_the_outcome_letter_is_released_only_with_its_family_wording(cast, mdt, outcome):
    from apps.documents import generation

    prepared = release.outcome_letter_prepare(actor=mdt.chair, outcome=outcome, family_wording=WORDING)
    with pytest.raises(ApplicationError, match="family wording"):
        generation.document_release(actor=mdt.chair, document=prepared.document)
    assert list(documents.documents_for_family(patient=cast.child_a)) == []
